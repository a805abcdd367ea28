package io.github.vmbackdoor.hostsim.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The picture of {@code host-closes-tclo} in a real browser: headless Chromium (the Debian package,
 * {@code /usr/bin/chromium}, or {@code -Dvmbackdoor.chromium=PATH}) renders the HTML page; the
 * screenshot must not be blank and must show the stuck and recovered badges, and the browser's DOM
 * must hold one lane per machine. Skipped when Chromium is not installed.
 *
 * <p>With {@code -Dvmbackdoor.updateDocs=true} it also writes the screenshot of the SVG to {@code
 * docs/images/host-closes-tclo.png}.
 */
class TimelineBrowserTest {

  private static final Path CHROMIUM =
      Path.of(System.getProperty("vmbackdoor.chromium", "/usr/bin/chromium"));

  /** How long one browser run may take on a loaded machine. */
  private static final long BROWSER_SECONDS = 120;

  private static final Scenario SCENARIO = BuiltInScenarios.hostClosesTclo();
  private static TimelinePicture picture;

  @TempDir Path dir;

  @BeforeAll
  static void draw() {
    picture = TimelinePicture.of(SCENARIO, List.copyOf(ScenarioRunner.compare(SCENARIO).values()));
  }

  @Test
  void thePageShowsOneLanePerMachineWithTheOutcomes() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed at " + CHROMIUM);
    Path page = dir.resolve("host-closes-tclo.html");
    Files.writeString(page, picture.html(), StandardCharsets.UTF_8);

    Path png = dir.resolve("page.png");
    browser("--screenshot=" + png, "--window-size=1140,600", page.toUri().toString());
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("a PNG screenshot").isNotNull();
    assertThat(image.getWidth()).isEqualTo(1140);
    int pixels = image.getWidth() * image.getHeight();
    assertThat(count(image, rgb -> rgb != 0xffffff))
        .as("painted pixels")
        .isGreaterThan(pixels / 20)
        .isLessThan(pixels * 3 / 4);
    // The stuck badge (#d62828) and the recovered badges (#2b9348) are drawn.
    assertThat(count(image, rgb -> near(rgb, 0xd62828))).isGreaterThan(800);
    assertThat(count(image, rgb -> near(rgb, 0x2b9348))).isGreaterThan(1600);

    String dom = browser("--dump-dom", page.toUri().toString());
    List<String> lanes = new ArrayList<>();
    Matcher m = Pattern.compile("<g class=\"lane\" data-machine=\"([^\"]+)\"").matcher(dom);
    while (m.find()) {
      lanes.add(m.group(1));
    }
    assertThat(lanes).containsExactly("fixed", "legacy", "proposed-patch");
  }

  @Test
  void theDocsScreenshotIsThereAndSmall() throws Exception {
    Path png = docs().resolve("images/host-closes-tclo.png");
    if (Boolean.getBoolean("vmbackdoor.updateDocs")) {
      assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed at " + CHROMIUM);
      String svg = picture.svg();
      Path file = dir.resolve("host-closes-tclo.svg");
      Files.writeString(file, svg, StandardCharsets.UTF_8);
      String height = SvgDocument.parse(svg).root().getAttribute("height");
      Files.createDirectories(png.getParent());
      browser("--screenshot=" + png, "--window-size=1100," + height, file.toUri().toString());
    }
    assertThat(png).exists();
    assertThat(Files.size(png)).isLessThan(200_000);
    assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(1100);
  }

  private static Path docs() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    return module.toAbsolutePath().getParent().resolve("docs");
  }

  /** Runs headless Chromium with {@code args}, bounded in time; returns what it printed. */
  private String browser(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium")));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "chromium", ".out");
    Path err = Files.createTempFile(dir, "chromium", ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(BROWSER_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("Chromium took more than " + BROWSER_SECONDS + " s");
    }
    assertThat(p.exitValue())
        .as("Chromium's exit status; it said: %s", Files.readString(err))
        .isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private interface PixelTest {
    boolean test(int rgb);
  }

  private static int count(BufferedImage image, PixelTest test) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (test.test(image.getRGB(x, y) & 0xffffff)) {
          n++;
        }
      }
    }
    return n;
  }

  private static boolean near(int rgb, int color) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs((rgb >> shift & 0xff) - (color >> shift & 0xff)) > 12) {
        return false;
      }
    }
    return true;
  }
}
