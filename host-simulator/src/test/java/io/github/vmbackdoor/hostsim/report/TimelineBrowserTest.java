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
 * <p>A story of five seconds in an hour and a story that lasts the hour are rendered too, their
 * pages and screenshots kept in {@code target/timeline-screenshots/}; the browser measures their
 * texts with its own fonts, and none may overlap another.
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
  void aFiveSecondStoryInAnHourIsReadable() throws Exception {
    storyIsReadable(TimelineLayoutTest.fiveSecondStory());
  }

  @Test
  void aOneHourStoryIsReadable() throws Exception {
    storyIsReadable(TimelineLayoutTest.oneHourStory());
  }

  /**
   * Renders the page of {@code s}'s three runs, keeps it and its screenshot under {@code
   * target/timeline-screenshots/} to be looked at, and measures the texts as the browser laid them
   * out with its fonts: no two host-event labels, axis ticks or header lines overlap, and every
   * text is inside the picture.
   */
  private void storyIsReadable(Scenario s) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed at " + CHROMIUM);
    TimelinePicture story = TimelinePicture.of(s, List.copyOf(ScenarioRunner.compare(s).values()));
    Path shots = module().resolve("target/timeline-screenshots");
    Files.createDirectories(shots);
    Path page = shots.resolve(s.name() + ".html");
    Files.writeString(page, story.html(), StandardCharsets.UTF_8);
    Path png = shots.resolve(s.name() + ".png");
    browser("--screenshot=" + png, "--window-size=1140,1000", page.toUri().toString());
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("a PNG screenshot").isNotNull();
    int pixels = image.getWidth() * image.getHeight();
    assertThat(count(image, rgb -> rgb != 0xffffff))
        .as("painted pixels")
        .isGreaterThan(pixels / 20)
        .isLessThan(pixels * 3 / 4);
    assertThat(count(image, rgb -> near(rgb, 0xd62828)))
        .as("stuck badge, failures")
        .isGreaterThan(800);
    assertThat(count(image, rgb -> near(rgb, 0x2b9348))).as("recovered badges").isGreaterThan(1600);

    Path measure = dir.resolve(s.name() + "-measure.html");
    Files.writeString(measure, measurePage(story.svg()), StandardCharsets.UTF_8);
    String dom = browser("--dump-dom", measure.toUri().toString());
    Matcher m = Pattern.compile("(?s)<pre id=\"boxes\">(.*?)</pre>").matcher(dom);
    assertThat(m.find()).as("the measuring script ran").isTrue();
    List<String[]> boxes = new ArrayList<>();
    for (String line : m.group(1).strip().split("\n")) {
      boxes.add(line.split(" ", 6));
    }
    double width = SvgDocument.number(SvgDocument.parse(story.svg()).root(), "width");
    assertThat(boxes.stream().filter(b -> b[0].equals("host-label"))).isNotEmpty();
    for (int i = 0; i < boxes.size(); i++) {
      String[] a = boxes.get(i);
      assertThat(Double.parseDouble(a[1])).as(a[5]).isGreaterThanOrEqualTo(0);
      assertThat(Double.parseDouble(a[3])).as(a[5]).isLessThanOrEqualTo(width);
      for (int j = i + 1; j < boxes.size(); j++) {
        String[] b = boxes.get(j);
        if (!apartInThePicture(a[0], b[0])) {
          continue;
        }
        assertThat(overlap(a, b)).as("'%s' and '%s' overlap", a[5], b[5]).isFalse();
      }
    }
  }

  /**
   * Whether two texts of these classes must not overlap: labels and ticks among themselves, and the
   * header's lines with each other and with everything else.
   */
  private static boolean apartInThePicture(String a, String b) {
    List<String> header = List.of("title", "description", "facts");
    return a.equals(b) || header.contains(a) || header.contains(b);
  }

  private static boolean overlap(String[] a, String[] b) {
    double[] p = {
      Double.parseDouble(a[1]),
      Double.parseDouble(a[2]),
      Double.parseDouble(a[3]),
      Double.parseDouble(a[4])
    };
    double[] q = {
      Double.parseDouble(b[1]),
      Double.parseDouble(b[2]),
      Double.parseDouble(b[3]),
      Double.parseDouble(b[4])
    };
    // the boxes are a line high: glyphs of adjacent lines may share a pixel row at most
    return p[0] < q[2] && q[0] < p[2] && p[1] + 1 < q[3] && q[1] + 1 < p[3];
  }

  /** A page holding {@code svg} at the origin and a script that writes each text's box. */
  private static String measurePage(String svg) {
    return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{margin:0}</style>"
        + "</head><body>"
        + svg
        + "<pre id=\"boxes\"></pre><script>\n"
        + "const texts = document.querySelectorAll('text.host-label, text.title,"
        + " text.description, text.facts, text.tick, text.overview-tick, text.lane-name,"
        + " text.lane-caption');\n"
        + "document.getElementById('boxes').textContent = [...texts].map(t => {\n"
        + "  const r = t.getBoundingClientRect();\n"
        + "  return [t.getAttribute('class'), r.left, r.top, r.right, r.bottom]"
        + ".map(v => typeof v === 'number' ? v.toFixed(1) : v).join(' ') + ' ' + t.textContent;\n"
        + "}).join('\\n');\n"
        + "</script></body></html>\n";
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
    return module().getParent().resolve("docs");
  }

  private static Path module() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
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
