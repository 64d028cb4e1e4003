package ferry;

import ferry.MainRun.Result;
import org.junit.jupiter.api.Test;

import static ferry.MainRun.run;
import static ferry.MainRun.oneErrorLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code --role ctl} and the admin keys on bad input, through {@link Main#run}: bad usage is exit 2 and one
 * {@code ferry: ...} line; an admin API that is not there is exit 1 and one line. (The ctl against a live
 * balancer is in {@code ferry.integration.AdminApiTest}.)
 */
class CtlCliTest {
  @Test
  void ctlWithoutACommand() {
    oneErrorLine(run("--role", "ctl"), 2, "command is needed", "status", "drain NODE");
  }

  @Test
  void ctlUnknownCommand() {
    oneErrorLine(run("--role", "ctl", "frob"), 2, "unknown command \"frob\"");
  }

  @Test
  void ctlWrongArguments() {
    oneErrorLine(run("--role", "ctl", "drain"), 2, "drain NODE");
    oneErrorLine(run("--role", "ctl", "status", "extra"), 2, "status");
    oneErrorLine(run("--role", "ctl", "weight", "s1"), 2, "weight NODE N");
    oneErrorLine(run("--role", "ctl", "weight", "s1", "x"), 2, "\"x\"", "0..256");
    oneErrorLine(run("--role", "ctl", "weight", "s1", "300"), 2, "\"300\"");
    oneErrorLine(run("--role", "ctl", "enable", "a/b"), 2, "not a node name");
  }

  @Test
  void ctlRefusesConfigAndNodeFlags() {
    oneErrorLine(run("--role", "ctl", "status", "--set", "admin.port=1"), 2, "--set", "ctl");
    oneErrorLine(run("--role", "ctl", "status", "--config", "conf/balancer.json"), 2, "--config", "ctl");
    oneErrorLine(run("--role", "ctl", "status", "--connections", "3"), 2, "--connections", "client flag");
    oneErrorLine(run("--role", "ctl", "status", "--admin", "nohost"), 2, "--admin", "host:port");
  }

  @Test
  void adminFlagAndCommandsAreForCtlOnly() {
    oneErrorLine(run("--role", "balancer", "--admin", "127.0.0.1:9090"), 2, "--admin", "ctl");
    oneErrorLine(run("--role", "server", "status"), 2, "\"status\"", "ctl");
  }

  @Test
  void aFileWithRoleCtlIsRefused() throws Exception {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("ctl", ".json");
    try {
      java.nio.file.Files.writeString(f, "{\"role\":\"ctl\"}");
      oneErrorLine(run("--config", f.toString()), 2, "--role ctl", "no configuration");
    } finally {
      java.nio.file.Files.delete(f);
    }
  }

  @Test
  void ctlAgainstNothingIsOneLineAndExitOne() throws Exception {
    int port = TestPorts.free();
    oneErrorLine(run("--role", "ctl", "status", "--admin", "127.0.0.1:" + port), 1,
        "cannot reach the admin API at http://127.0.0.1:" + port, "connection refused");
  }

  @Test
  void anOpenAdminHostWithoutTokenIsAConfigError() {
    assumeTrue(System.getenv("FERRY_ADMIN_TOKEN") == null, "FERRY_ADMIN_TOKEN is set in this environment");
    oneErrorLine(run("--role", "balancer", "--set", "admin.host=0.0.0.0"), 2, "admin.token", "FERRY_ADMIN_TOKEN");
  }

  @Test
  void ctlHelp() {
    Result r = run("--role", "ctl", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("drain NODE").contains("--admin HOST:PORT").contains("FERRY_ADMIN_TOKEN");
    assertThat(run("--help").out()).contains("ctl");
  }
}
