package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.cli.DocExamples.Block;
import io.github.vmbackdoor.hostsim.cli.DocExamples.Example;
import io.github.vmbackdoor.hostsim.guest.TestPrograms;
import io.github.vmbackdoor.hostsim.guest.Trap;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * Runs every shell example of README.md and docs/*.md ({@link DocExamples} reads them and says what
 * each marker means), one dynamic test each, through {@code bash} with {@code bin/vmbackdoor} on
 * the PATH, in a directory of its own per page (examples of a page run in order and see each
 * other's files and servers; two pages run at once; {@code docs/} is there as in a checkout). The
 * launcher runs the command line from this module's classes ({@code VMBACKDOOR_CLASSPATH}), since
 * the jar is built after the tests; {@code java -jar host-simulator/target/vmbackdoor.jar} and
 * {@code java -jar vmbackdoor.jar} are read as {@code vmbackdoor} for the same reason. {@code
 * JAVA_OPTS} starts those JVMs for a short life (C1 only, serial collector) with a home directory
 * of the page's own, where serve writes its token files. A fixed port of a server that runs until
 * stopped ({@code --port 5659}, {@code --admin-port 8081}) is replaced by a free one in that
 * example and the page's later ones and in the output shown, so that a port in use on the test
 * machine does not fail it.
 *
 * <p>Each example must exit 0, or the code of an {@code <!-- exit: N -->} comment just above it; an
 * output block right after it ({@code ```text}, or untagged) must appear in what it printed, line
 * by line in order ({@code ...} stands for anything). The curl examples of docs/admin-api.md are
 * run by {@link AdminDocExamplesTest}. The timeout of each is a guard against a hang, not a
 * measure. A block that looks like commands but is not tagged as shell fails the test, so that no
 * example escapes it. The last test prints what was run, checked, skipped and not run.
 */
class DocShellExamplesTest {

  static final Path ROOT = DocExamples.ROOT;

  private static final Pattern COMMAND_LIKE =
      Pattern.compile("^(vmbackdoor |java |jmap |\\./mvnw|curl |benchmarks/|bin/|sudo )");
  private static final Pattern FIXED_PORT = Pattern.compile("--(?:admin-)?port[ =]([1-9]\\d*)");
  private static final Pattern RECORDING =
      Pattern.compile("^(\\S+), a session recorded by serve --record$");
  private static final String TRAP = "the trap and open-vm-tools";
  private static final String TOOLS_LIB = "/usr/lib/x86_64-linux-gnu/open-vm-tools";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final String JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

  /** Pages run two at a time, each page's examples in order: most of the time is JVMs starting. */
  private static final int PAGES_AT_ONCE = 2;

  /** How long a test waits for its example's outcome at most; the examples' own guards are less. */
  private static final Duration LAST_RESORT = Duration.ofMinutes(10);

  /** Every process started by an example that runs until stopped, for the last resort. */
  private static final ConcurrentLinkedQueue<Process> STARTED = new ConcurrentLinkedQueue<>();

  /** What happened to the examples, for the summary line. */
  private final Map<String, Integer> notRun = Collections.synchronizedMap(new TreeMap<>());

  private final Map<String, Integer> skipped = Collections.synchronizedMap(new TreeMap<>());
  private final AtomicInteger ran = new AtomicInteger();
  private final AtomicInteger shortForm = new AtomicInteger();
  private final AtomicInteger elsewhere = new AtomicInteger();
  private final AtomicInteger checked = new AtomicInteger();

  @Test
  void noShellExampleIsUntagged() throws IOException {
    List<String> untagged = new ArrayList<>();
    for (Path page : DocExamples.pages()) {
      for (Block block : DocExamples.blocks(Files.readAllLines(page, StandardCharsets.UTF_8))) {
        if (block.tag().isEmpty()
            && !block.lines().isEmpty()
            && COMMAND_LIKE.matcher(block.lines().get(0)).find()) {
          untagged.add(ROOT.relativize(page) + ":" + block.line() + " " + block.lines().get(0));
        }
      }
    }
    assertThat(untagged)
        .as("command blocks not tagged ```sh (or ```text if they are output)")
        .isEmpty();
  }

  @TestFactory
  Stream<DynamicNode> everyShellExample(@TempDir Path dir) throws Exception {
    Path launcher = ROOT.resolve("bin").resolve("vmbackdoor");
    assertThat(Files.isExecutable(launcher)).as(launcher + " is executable").isTrue();
    List<String> adminCurls =
        AdminDocExamplesTest.examples().stream()
            .map(AdminDocExamplesTest.Example::command)
            .toList();
    ExecutorService workers =
        Executors.newFixedThreadPool(
            PAGES_AT_ONCE,
            r -> {
              Thread t = new Thread(r, "doc-examples");
              t.setDaemon(true);
              return t;
            });
    List<DynamicNode> nodes = new ArrayList<>();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (Map.Entry<String, List<Example>> entry : DocExamples.examples().entrySet()) {
      List<Example> examples = entry.getValue();
      if (examples.isEmpty()) {
        continue;
      }
      Page page = new Page(dir.resolve(entry.getKey().replace('/', '_')), adminCurls);
      List<CompletableFuture<Void>> outcomes = new ArrayList<>();
      List<DynamicNode> tests = new ArrayList<>();
      for (Example e : examples) {
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        outcomes.add(outcome);
        tests.add(DynamicTest.dynamicTest(e.where(), () -> outcome(outcome)));
      }
      CompletableFuture<Void> stopped = new CompletableFuture<>();
      if (examples.stream().anyMatch(e -> e.runUntil() != null)) {
        tests.add(DynamicTest.dynamicTest("stop what runs until stopped", () -> outcome(stopped)));
      }
      workers.execute(
          () -> {
            for (int i = 0; i < examples.size(); i++) {
              Example e = examples.get(i);
              complete(outcomes.get(i), () -> page.test(e));
            }
            complete(stopped, page::stopAll);
          });
      all.addAll(outcomes);
      all.add(stopped);
      nodes.add(DynamicContainer.dynamicContainer(entry.getKey(), tests));
    }
    workers.shutdown();
    nodes.add(
        DynamicTest.dynamicTest(
            "summary",
            () -> {
              CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                  .exceptionally(t -> null)
                  .get(LAST_RESORT.toMinutes(), TimeUnit.MINUTES);
              summary();
            }));
    return nodes.stream();
  }

  private static void complete(CompletableFuture<Void> outcome, Executable body) {
    try {
      body.execute();
      outcome.complete(null);
    } catch (Throwable t) {
      outcome.completeExceptionally(t);
    }
  }

  /** What an example did, on its page's thread, as this test's outcome. */
  private static void outcome(CompletableFuture<Void> outcome) throws Throwable {
    try {
      outcome.get(LAST_RESORT.toMinutes(), TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw e.getCause();
    }
  }

  private void summary() {
    String line =
        String.format(
            "[docs] shell examples: %d run (%d in a short form), %d by AdminDocExamplesTest,"
                + " %d checked statically, %d not run (%s)%s",
            ran.get(),
            shortForm.get(),
            elsewhere.get(),
            checked.get(),
            notRun.values().stream().mapToInt(Integer::intValue).sum(),
            reasons(notRun),
            skipped.isEmpty()
                ? ""
                : String.format(
                    ", %d skipped (%s)",
                    skipped.values().stream().mapToInt(Integer::intValue).sum(), reasons(skipped)));
    System.out.println(line);
    assertThat(ran.get())
        .as("examples run (even where real guests and the C benchmarks are skipped)")
        .isGreaterThanOrEqualTo(8);
    assertThat(notRun.values().stream().mapToInt(Integer::intValue).sum())
        .as(
            "examples not run at all (a build of the project or the tests themselves): the others"
                + " run, in a short form where they are long, or are checked statically")
        .isLessThanOrEqualTo(3);
  }

  private static String reasons(Map<String, Integer> counts) {
    List<String> parts = new ArrayList<>();
    synchronized (counts) {
      counts.forEach((reason, n) -> parts.add(n == 1 ? reason : n + "× " + reason));
    }
    return String.join("; ", parts);
  }

  @AfterAll
  static void nothingLeftRunning() {
    for (Process p : STARTED) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /** The examples of one page: their directory, the servers they left running, their ports. */
  private final class Page {
    final Path cwd;
    final List<String> adminCurls;
    final Map<String, String> ports = new LinkedHashMap<>();
    final List<Running> running = new ArrayList<>();
    final Map<String, String> smokeRuns = new HashMap<>();

    Page(Path cwd, List<String> adminCurls) {
      this.cwd = cwd;
      this.adminCurls = adminCurls;
    }

    void test(Example e) throws Exception {
      if (!Files.isDirectory(cwd)) {
        Files.createDirectories(cwd.resolve("home"));
        Files.createSymbolicLink(cwd.resolve("docs"), ROOT.resolve("docs"));
      }
      try {
        dispatch(e);
      } catch (NotRun reported) {
        throw reported;
      } catch (TestAbortedException skip) {
        skipped.merge(skip.getMessage().replaceFirst("^Assumption failed: ", ""), 1, Integer::sum);
        throw skip;
      }
    }

    private void dispatch(Example e) throws Exception {
      if (e.notRun() != null) {
        ciClaimHolds(e, e.notRun());
        notRun.merge(e.notRun(), 1, Integer::sum);
        throw new NotRun(e.notRun());
      }
      if (e.checked() != null) {
        ciClaimHolds(e, e.checked());
        assertThat(StaticCommandCheck.check(e.script())).isNotEmpty();
        if (e.script().contains("dependency:tree")) {
          assertThat(StaticCommandCheck.checkDependencyTree(e.output())).isNotEmpty();
        }
        checked.incrementAndGet();
        return;
      }
      if (e.script().startsWith("curl ") && adminCurls.contains(e.script().strip())) {
        elsewhere.incrementAndGet();
        return;
      }
      Map<String, String> env = new HashMap<>();
      String script = substitute(e.script());
      if (e.needs() != null) {
        script = needs(e.needs(), script, env);
      }
      if (e.testWith() != null) {
        smoke(e, env);
        return;
      }
      if (e.runUntil() != null) {
        runUntil(e, script, env);
        return;
      }
      ran.incrementAndGet();
      Running run = start(script, env);
      String problem = run.finish(e.exit(), expected(e));
      assertThat(problem).as("%s as written", e.where()).isNull();
    }

    /**
     * A reason that says .ci/run runs the commands: each is a line of .ci/run, verbatim (comments
     * and {@code sudo} aside).
     */
    private void ciClaimHolds(Example e, String reason) throws IOException {
      if (reason.contains(".ci/run runs")) {
        List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run"));
        for (String line : StaticCommandCheck.logicalLines(e.script())) {
          assertThat(ci).as("%s says .ci/run runs '%s'", e.where(), line).contains(line);
        }
      }
    }

    private String needs(String needs, String script, Map<String, String> env) throws Exception {
      if (needs.equals(TRAP)) {
        Trap.unavailableReason()
            .ifPresent(r -> TestPrograms.unavailable("this machine cannot trap: " + r));
        TestPrograms.OpenVmTools tools = TestPrograms.OpenVmTools.find();
        env.put("PATH_PREFIX", tools.root().resolve("usr/bin").toString());
        env.put("LD_LIBRARY_PATH", tools.libraryPath());
        return tools.root().equals(Path.of("/"))
            ? script
            : script.replace(TOOLS_LIB, tools.root() + TOOLS_LIB);
      }
      Matcher recording = RECORDING.matcher(needs);
      if (recording.matches()) {
        record(cwd.resolve(recording.group(1)));
        return script;
      }
      throw new AssertionError("a need this test does not know: " + needs);
    }

    /**
     * Records a short session of {@code serve --record} into {@code trace} (DIR/VM-1.jsonl): a
     * guest of the wire protocol sets and reads a guestinfo key over RPCI.
     */
    private void record(Path trace) throws Exception {
      Matcher name = Pattern.compile("(.+)-1\\.jsonl").matcher(trace.getFileName().toString());
      assertThat(name.matches()).as("a first connection's trace, VM-1.jsonl: %s", trace).isTrue();
      String vm = name.group(1);
      Files.createDirectories(trace.getParent());
      try (RunningServe serve =
          new RunningServe("--vm", vm, "--record", trace.getParent().toString())) {
        try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), vm)) {
          RpciClient rpci = RpciClient.create(guest);
          assertThat(rpci.send("info-set guestinfo.x hello").isSuccess()).isTrue();
          assertThat(rpci.send("info-get guestinfo.x").text()).isEqualTo("hello");
        }
      }
      assertThat(trace).isRegularFile();
    }

    /**
     * A benchmark's short form: the block's commands with smaller numbers, run in the checkout (as
     * the benchmarks' pages write them; they build into benchmarks/target), once per page each; the
     * scripts skip with a message where they cannot run, so what they need is checked first and a
     * skip fails.
     */
    private void smoke(Example e, Map<String, String> env) throws Exception {
      List<String> documented = StaticCommandCheck.logicalLines(e.script());
      List<String> smoke = List.of(e.testWith().split("\\s*;\\s*"));
      assertThat(smoke.stream().map(DocShellExamplesTest::numbersAside).toList())
          .as("%s's test with: the block's commands, only the numbers changed", e.where())
          .isEqualTo(documented.stream().map(DocShellExamplesTest::numbersAside).toList());
      String script = String.join("\n", smoke);
      if (!canRun("cc", "--version")) {
        TestPrograms.unavailable("no C compiler (cc) for the C benchmarks");
      }
      if (script.contains("trap-c.sh")) {
        Trap.unavailableReason()
            .ifPresent(r -> TestPrograms.unavailable("this machine cannot trap: " + r));
      }
      if (script.contains("_CPUS=") && !canRun("taskset", "--version")) {
        TestPrograms.unavailable("no taskset to pin the benchmark's processes");
      }
      ran.incrementAndGet();
      shortForm.incrementAndGet();
      for (String command : smoke) {
        if (!smokeRuns.containsKey(command)) {
          Running run = start(command, env, ROOT);
          String problem = run.finish(0, List.of());
          if (problem == null && run.printed().lines().anyMatch(l -> l.contains("skipped"))) {
            problem = "it skipped; printed:\n" + run.tail();
          }
          smokeRuns.put(command, problem);
        }
        assertThat(smokeRuns.get(command)).as("%s run as %s", e.where(), command).isNull();
      }
    }

    /**
     * Starts an example that runs until stopped, waits for its line, compares the output shown so
     * far, and leaves it running for the page's next examples.
     */
    private void runUntil(Example e, String script, Map<String, String> env) throws Exception {
      Matcher fixed = FIXED_PORT.matcher(script);
      while (fixed.find()) {
        ports.putIfAbsent(fixed.group(1), Integer.toString(freePort()));
      }
      String substituted = substitute(script);
      ran.incrementAndGet();
      Running run = start(substituted, env);
      running.add(run);
      Pattern until = DocExamples.linePattern(substitute(e.runUntil()));
      List<String> expected = expected(e);
      boolean printed =
          run.await(
              printedSoFar ->
                  printedSoFar.lines().anyMatch(l -> until.matcher(DocExamples.spaces(l)).matches())
                      && DocExamples.firstMissing(expected, printedSoFar) == null,
              TIMEOUT);
      assertThat(printed)
          .as(
              "%s: a line '%s' and the output shown (first missing: %s) while it runs; printed:\n%s",
              e.where(),
              e.runUntil(),
              DocExamples.firstMissing(expected, run.printed()),
              run.tail())
          .isTrue();
    }

    private List<String> expected(Example e) {
      return e.output().stream().map(this::substitute).toList();
    }

    private String substitute(String text) {
      String out = text;
      for (Map.Entry<String, String> port : ports.entrySet()) {
        out = out.replaceAll("(?<![\\d.])" + port.getKey() + "(?!\\d)", port.getValue());
      }
      return out;
    }

    /** Stops what runs until stopped (SIGTERM), the last started first. */
    void stopAll() throws InterruptedException {
      List<String> stuck = new ArrayList<>();
      for (int i = running.size() - 1; i >= 0; i--) {
        Process p = running.get(i).process;
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          stuck.add(running.get(i).script);
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
      }
      running.clear();
      assertThat(stuck).as("still running 60 s after SIGTERM").isEmpty();
    }

    private Running start(String written, Map<String, String> extra) throws IOException {
      return start(written, extra, cwd);
    }

    /** Starts {@code written} with bash in {@code dir}. */
    private Running start(String written, Map<String, String> extra, Path dir) throws IOException {
      String script =
          written
              .replace("java -jar host-simulator/target/vmbackdoor.jar", "vmbackdoor")
              .replace("java -jar vmbackdoor.jar", "vmbackdoor");
      ProcessBuilder pb =
          new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", script)
              .directory(dir.toFile())
              .redirectErrorStream(true);
      Map<String, String> env = pb.environment();
      String prefix = extra.containsKey("PATH_PREFIX") ? extra.get("PATH_PREFIX") + ":" : "";
      env.put(
          "PATH", ROOT.resolve("bin") + ":" + prefix + env.getOrDefault("PATH", "/usr/bin:/bin"));
      extra.forEach((k, v) -> env.put(k, v));
      env.remove("PATH_PREFIX");
      env.put("JAVA_HOME", System.getProperty("java.home"));
      env.put("VMBACKDOOR_CLASSPATH", System.getProperty("java.class.path"));
      env.put("JAVA_OPTS", JAVA_OPTS + " -Duser.home=" + cwd.resolve("home"));
      env.put("HOME", cwd.resolve("home").toString());
      env.remove("VMBACKDOOR_JAR");
      Process p = pb.start();
      STARTED.add(p);
      p.getOutputStream().close();
      return new Running(script, p);
    }
  }

  /** An example the page says is not run, with its reason; reported as skipped. */
  private static final class NotRun extends TestAbortedException {
    private static final long serialVersionUID = 1L;

    NotRun(String reason) {
      super("not run: " + reason);
    }
  }

  /** A started example: its process and what it printed so far, line by line. */
  private static final class Running {
    private static final String END = "\u0000end";
    final String script;
    final Process process;
    private final StringBuffer printed = new StringBuffer();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;

    Running(String script, Process process) {
      this.script = script;
      this.process = process;
      reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = in.readLine(); line != null; line = in.readLine()) {
                    printed.append(line).append('\n');
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // stopped: what it printed so far is what there is
                } finally {
                  lines.add(END);
                }
              },
              "doc-example-output");
      reader.setDaemon(true);
      reader.start();
    }

    /**
     * Whether what it printed came to satisfy {@code done}, line by line; false when it ended or
     * the time passed first.
     */
    boolean await(Predicate<String> done, Duration deadline) throws InterruptedException {
      long end = System.nanoTime() + deadline.toNanos();
      for (long left = deadline.toNanos(); left > 0; left = end - System.nanoTime()) {
        String line = lines.poll(left, TimeUnit.NANOSECONDS);
        if (line == null || line.equals(END)) {
          return false;
        }
        if (done.test(printed())) {
          return true;
        }
      }
      return false;
    }

    /** Waits for the end; what is wrong with how it ended and what it printed, or null. */
    String finish(int exit, List<String> expected) throws InterruptedException {
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        return "still running after " + TIMEOUT.toSeconds() + " s (a hang?); printed:\n" + tail();
      }
      reader.join(TimeUnit.SECONDS.toMillis(60));
      if (process.exitValue() != exit) {
        return "exit " + process.exitValue() + ", expected " + exit + "; printed:\n" + tail();
      }
      String missing = DocExamples.firstMissing(expected, printed());
      if (missing != null) {
        return "the output shown has '" + missing + "', not printed; printed:\n" + tail();
      }
      return null;
    }

    String printed() {
      return printed.toString();
    }

    String tail() {
      List<String> all = printed().lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
    }
  }

  /** A command with each number as N: what a short form may change. */
  private static String numbersAside(String command) {
    return command.replaceAll("\\b\\d+\\b", "N").strip();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean canRun(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
