package ferry.integration;

import ferry.balancer.Balancer;
import ferry.balancer.PoolMember;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static ferry.integration.TestCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by
 * Selenium through the system chromedriver; nothing is downloaded). One balancer without a token, one with, two
 * servers: the page shows every server, a click on Drain turns a server amber on the page and in the balancer's
 * pools, Enable brings it back, and the token is asked for once.
 *
 * <p>Without the browser the test fails in CI ({@code CI=true}: {@code .ci/run} installs it) and is skipped on a
 * developer's machine, so the rest of the suite still runs there.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DashboardBrowserTest {
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static final String TOKEN = "dashboard-t0ken";
  static final Duration WAIT = Duration.ofSeconds(10);

  static TestCluster cluster;
  static Balancer open;
  static Balancer secured;
  static WebDriver browser;
  static Path profile;

  @BeforeAll
  static void start() throws IOException {
    requireBrowser();
    cluster = new TestCluster();
    open = cluster.balancer("lb");
    secured = cluster.balancer("lb-token", "admin.token=" + TOKEN);
    cluster.server("s1");
    cluster.server("s2");
    for (Balancer b : List.of(open, secured)) {
      eventually(Duration.ofSeconds(20), "2 echo servers", () -> b.pools().usable("echo").size() == 2);
      eventually(Duration.ofSeconds(20), "2 whoami servers", () -> b.pools().usable("whoami").size() == 2);
    }
    profile = Files.createTempDirectory("ferry-chromium-");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER); // and the service names it: no Selenium Manager
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1400,1000", "--user-data-dir=" + profile);
    browser = new ChromeDriver(service, options);
  }

  /** CI installs the browser, so there a missing one is a failure; elsewhere it only skips this class. */
  private static void requireBrowser() {
    boolean present = Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
    String missing = "the dashboard test needs " + CHROMIUM + " and " + CHROMEDRIVER
        + " (apt-get install -y chromium chromium-driver; .ci/run installs them)";
    if ("true".equals(System.getenv("CI"))) {
      Assertions.assertTrue(present, missing);
    } else {
      Assumptions.assumeTrue(present, missing + "; skipped because CI is not true");
    }
  }

  @AfterAll
  static void stop() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (profile != null) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void showsEveryServerAndDrainsAndEnablesOnClick() throws IOException {
    browser.get(open.admin().url() + "/");
    assertThat(browser.getTitle()).isEqualTo("Ferry dashboard");
    // Each server is a box per pool it serves (echo and whoami), named by data-node, its state in data-state.
    for (String s : List.of("s1", "s2")) {
      waitFor(s + " in both pools, up", () -> boxes(s).size() == 2 && allInState(s, "up"));
    }
    for (String f : List.of("echo", "whoami", "lines")) {
      assertThat(browser.findElements(By.cssSelector("[data-frontend='" + f + "']"))).as("frontend " + f).hasSize(1);
    }
    assertThat(browser.findElement(By.cssSelector("[data-balancer='lb']")).getAttribute("class")).contains("self");
    assertThat(browser.findElements(By.cssSelector("[data-balancer='lb-token']"))).hasSize(1);
    assertThat(browser.findElement(By.id("node")).getText()).startsWith("lb (balancer)");

    button("s2", "drain").click();
    waitFor("s2 draining on the page", () -> allInState("s2", "draining"));
    eventually(Duration.ofSeconds(2), "the balancers' pools agree", () -> List.of(open, secured).stream().allMatch(b ->
        b.pools().all("echo").stream().filter(m -> m.node().equals("s2")).allMatch(m -> m.state().equals("draining"))
            && b.pools().usable("echo").stream().map(PoolMember::node).toList().equals(List.of("s1"))));
    assertThat(allInState("s1", "up")).isTrue();
    assertThat(button("s2", "drain").isEnabled()).isFalse();
    screenshot("dashboard-drained");

    button("s2", "enable").click();
    waitFor("s2 up again on the page", () -> allInState("s2", "up"));
    eventually(Duration.ofSeconds(2), "both servers usable again", () -> open.pools().usable("echo").size() == 2);

    // Live counts: the page's next polls show the connections made now, and the chart has been drawn.
    int port = open.frontends().get("echo").config().port();
    for (int i = 0; i < 20; i++) {
      assertThat(BalancerClusterTest.echoOnce(port, "ping" + i)).isEqualTo("ping" + i);
    }
    waitFor("20 connections shown", () -> browser.findElement(By.cssSelector("[data-frontend='echo'] .stats"))
        .getText().contains("20 total"));
    waitFor("the chart drawn", () -> ((Number) ((JavascriptExecutor) browser)
        .executeScript("return document.getElementById('conn-chart').width")).intValue() > 0);
    screenshot("dashboard");
  }

  @Test
  void asksForTheTokenOnceWhenTheApiHasOne() {
    browser.get(secured.admin().url() + "/");
    waitFor("the token form", () -> browser.findElement(By.id("token-form")).isDisplayed());
    assertThat(boxes("s1")).isEmpty();
    browser.findElement(By.id("token")).sendKeys(TOKEN);
    browser.findElement(By.cssSelector("#token-form button")).click();
    waitFor("servers shown with the token", () -> boxes("s1").size() == 2 && boxes("s2").size() == 2);
    assertThat(browser.findElement(By.id("token-form")).isDisplayed()).isFalse();
    // Kept for the tab: a reload of the page does not ask again.
    browser.navigate().refresh();
    waitFor("servers shown after a page reload", () -> boxes("s1").size() == 2);
    assertThat(browser.findElement(By.id("token-form")).isDisplayed()).isFalse();
  }

  private static List<WebElement> boxes(String node) {
    return browser.findElements(By.cssSelector(".server[data-node='" + node + "']"));
  }

  private static boolean allInState(String node, String state) {
    List<WebElement> boxes = boxes(node);
    return !boxes.isEmpty() && boxes.stream().allMatch(b -> state.equals(b.getAttribute("data-state")));
  }

  private static WebElement button(String node, String action) {
    return browser.findElement(By.cssSelector(".server[data-node='" + node + "'] button[data-action='" + action + "']"));
  }

  private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
    new WebDriverWait(browser, WAIT).withMessage(what).ignoring(RuntimeException.class)
        .until(d -> condition.getAsBoolean());
  }

  /** For people: target/dashboard*.png shows what the test saw. */
  private static void screenshot(String name) throws IOException {
    File shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), Path.of("target", name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
