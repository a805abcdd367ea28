package io.github.vmbackdoor.bench;

import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.RecordingBackdoor;
import io.github.vmbackdoor.core.ReplayBackdoor;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 7: a trace of one million backdoor calls ({@link TraceWorkload}: TCLO polls and RPCI
 * requests, in, outs and ins calls, recorded from a {@link VirtualHost} with {@link
 * RecordingBackdoor}) is parsed with {@link TraceReader} and replayed: the same guest code runs
 * again against a {@link ReplayBackdoor} of it, every call checked against the recording. One
 * operation is parse plus replay of the whole trace.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ReplayBenchmark {

  /** Calls in the trace, at least. */
  static final int CALLS = 1_000_000;

  private Path trace;
  private int steps;

  /** Records the trace into a temporary file, once per fork. */
  @Setup(Level.Trial)
  public void record() throws IOException {
    trace = Files.createTempFile("vmbackdoor-replay", ".jsonl");
    steps = (int) Math.ceil(CALLS / TraceWorkload.CALLS_PER_STEP);
    Simulation sim = Simulation.create(7);
    VirtualHost host =
        VirtualHost.builder().simulation(sim).callLogLimit(0).historyLimit(0).build();
    host.putGuestInfo("guestinfo.bench", "v".repeat(64));
    OutputStream file = new BufferedOutputStream(Files.newOutputStream(trace), 1 << 16);
    // The writer flushes after every line; here the lines only have to be in the file at close.
    OutputStream once =
        new FilterOutputStream(file) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void flush() {}

          @Override
          public void close() throws IOException {
            out.close();
          }
        };
    try (TraceWriter writer =
        TraceWriter.create(
            once, TraceHeader.of(ImmutableMap.of("vm", "bench"), Simulation.DEFAULT_START))) {
      new TraceWorkload(RecordingBackdoor.wrap(host.backdoor(), writer, sim.ticker()::read))
          .run(steps);
    }
    int calls = TraceReader.readAll(trace).size();
    if (calls < CALLS) {
      throw new IllegalStateException("trace of " + calls + " calls only");
    }
  }

  /** Deletes the trace file. */
  @TearDown(Level.Trial)
  public void delete() throws IOException {
    Files.deleteIfExists(trace);
  }

  /** Parse the whole trace, then run the guest against its replay to the last call. */
  @Benchmark
  public long parseAndReplay() {
    List<TraceCall> calls = TraceReader.readAll(trace);
    ReplayBackdoor replay = ReplayBackdoor.of(calls);
    long check = new TraceWorkload(replay).run(steps);
    replay.assertFinished();
    return check;
  }

  /** Parse only, to tell the two halves apart. */
  @Benchmark
  public int parse() {
    return TraceReader.readAll(trace).size();
  }
}
