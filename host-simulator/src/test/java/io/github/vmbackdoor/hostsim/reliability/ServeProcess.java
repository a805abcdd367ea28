package io.github.vmbackdoor.hostsim.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code serve} in a JVM of its own, as a user starts it ({@code java -cp ... Main serve ...}) but
 * with a heap limit: its output is read line by line (kept: the last lines, and any line that names
 * an {@code OutOfMemoryError}), its garbage collections are logged to a file, and its peak resident
 * memory is read from {@code /proc} before it is stopped.
 */
final class ServeProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern GC = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
  private static final int KEPT_LINES = 40;

  private static final Pattern FULL_GC = Pattern.compile("Pause Full.*?(\\d+)M->(\\d+)M");

  private final Process process;
  private final Path gcLog;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Deque<String> lastLines = new ArrayDeque<>();
  private final List<String> outOfMemory = new ArrayList<>();
  private final AtomicLong lines = new AtomicLong();
  private final Thread reader;

  private ServeProcess(Process process, Path gcLog) {
    this.process = process;
    this.gcLog = gcLog;
    this.reader = new Thread(this::readOutput, "serve-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code serve ARGS --port 0} with the heap limit {@code maxHeap} ({@code -Xmx}); an
   * {@code OutOfMemoryError} ends the process at once ({@code -XX:+ExitOnOutOfMemoryError}), so
   * that it cannot go on half broken. The server's refusal log lines are kept on (INFO).
   */
  static ServeProcess start(Path dir, String maxHeap, List<String> args) throws IOException {
    Path gcLog = dir.resolve("serve-gc.log");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xmx" + maxHeap);
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-Xlog:gc:file=" + gcLog);
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.github.vmbackdoor.hostsim.cli.Main");
    command.add("serve");
    command.add("--port");
    command.add("0");
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new ServeProcess(p, gcLog);
  }

  /** Where the server listens, once it said so (within {@code seconds}). */
  InetSocketAddress address(long seconds) throws Exception {
    try {
      return new InetSocketAddress("127.0.0.1", port.get(seconds, TimeUnit.SECONDS));
    } catch (TimeoutException e) {
      throw new AssertionError("serve did not start within " + seconds + " s: " + lastLines(), e);
    }
  }

  private void readOutput() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.incrementAndGet();
        Matcher m = LISTENING.matcher(line);
        if (!port.isDone() && m.find()) {
          port.complete(Integer.parseInt(m.group(1)));
        }
        synchronized (lastLines) {
          if (line.contains("OutOfMemoryError")) {
            outOfMemory.add(line);
          }
          lastLines.addLast(line);
          if (lastLines.size() > KEPT_LINES) {
            lastLines.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    port.completeExceptionally(new IllegalStateException("serve ended: " + lastLines()));
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Output lines so far. */
  long outputLines() {
    return lines.get();
  }

  /** Output lines that name an {@code OutOfMemoryError}. */
  List<String> outOfMemoryLines() {
    synchronized (lastLines) {
      return List.copyOf(outOfMemory);
    }
  }

  /** The last output lines, for failure messages. */
  String lastLines() {
    synchronized (lastLines) {
      return String.join("\n", lastLines);
    }
  }

  /** The most resident memory the process had (VmHWM), in KiB; -1 where /proc cannot tell. */
  long peakResidentKiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      // not Linux, or the process is gone
    }
    return -1;
  }

  /**
   * From the GC log: the most heap in use before a collection and the most left after one, in MiB,
   * and the number of collections.
   */
  long[] heapFigures() throws IOException {
    long before = 0;
    long after = 0;
    long collections = 0;
    if (Files.exists(gcLog)) {
      for (String line : Files.readAllLines(gcLog)) {
        Matcher m = GC.matcher(line);
        if (m.find()) {
          collections++;
          before = Math.max(before, Long.parseLong(m.group(1)));
          after = Math.max(after, Long.parseLong(m.group(2)));
        }
      }
    }
    return new long[] {before, after, collections};
  }

  /**
   * Has the server run a full collection now ({@code jcmd PID GC.run}, which returns once it is
   * done) and returns the heap it left in use, in MiB: what the server really holds. -1 when the
   * JDK has no {@code jcmd} or the log does not show the collection.
   */
  long heapAfterFullCollection() throws IOException, InterruptedException {
    Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
    Path jcmd = java.resolveSibling("jcmd");
    if (!Files.isExecutable(jcmd)) {
      return -1;
    }
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.run")
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      return -1;
    }
    long after = -1;
    for (String line : Files.readAllLines(gcLog)) {
      Matcher m = FULL_GC.matcher(line);
      if (m.find()) {
        after = Long.parseLong(m.group(2));
      }
    }
    return after;
  }

  /** Stops the server as Ctrl-C or SIGTERM would; stopping it again does nothing. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
  }

  /**
   * {@link #stop()}; an interrupt while waiting is kept on the thread and reported as a failure,
   * the process killed.
   */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while serve stopped", e);
    }
  }

  int exitValue() {
    return process.exitValue();
  }
}
