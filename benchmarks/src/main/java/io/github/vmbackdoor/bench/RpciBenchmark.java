package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 2: one in-process RPCI round trip, {@code info-get guestinfo.bench} answered with a value
 * of {@code valueBytes} bytes, over the high-bandwidth port (HB) or four bytes per call (LB), as
 * the {@link VirtualHost}'s policy says.
 *
 * <ul>
 *   <li>{@link #channel}: send the request and receive the reply on a channel opened once, as
 *       open-vm-tools keeps its RPCI channel open;
 *   <li>{@link #client}: {@link RpciClient#send}, which opens and closes a channel per request and
 *       parses the reply, as vmt(4) does.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RpciBenchmark {

  /** The size of the guestinfo value the host answers with. */
  @Param({"64", "4096", "65536"})
  public int valueBytes;

  /** Whether the host offers the high-bandwidth port ({@code HB}) or not ({@code LB}). */
  @Param({"HB", "LB"})
  public String bandwidth;

  private static final String REQUEST = "info-get guestinfo.bench";

  private RpciClient client;
  private MessageChannel channel;
  private byte[] request;

  /** The host with the value, a client and an open RPCI channel, checked once. */
  @Setup(Level.Trial)
  public void setUp() {
    VirtualHost host =
        VirtualHost.builder()
            .seed(1)
            .callLogLimit(0)
            .historyLimit(0)
            .highBandwidth(bandwidth.equals("HB"))
            .build();
    char[] value = new char[valueBytes];
    Arrays.fill(value, 'v');
    host.putGuestInfo("guestinfo.bench", new String(value));
    client = RpciClient.create(host.backdoor());
    channel = MessageChannel.open(host.backdoor(), BackdoorProtocol.PROTOCOL_RPCI);
    request = (REQUEST + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] reply = roundTrip();
    if (reply.length != valueBytes + 2) {
      throw new IllegalStateException("unexpected reply of " + reply.length + " bytes");
    }
  }

  /** Closes the channel. */
  @TearDown(Level.Trial)
  public void tearDown() {
    channel.close();
  }

  private byte[] roundTrip() {
    channel.send(request);
    return channel.receive();
  }

  /** Send and receive on an open channel; the reply's bytes. */
  @Benchmark
  public byte[] channel() {
    return roundTrip();
  }

  /** Open, send, receive, close and parse, as {@link RpciClient} does per request. */
  @Benchmark
  public RpciReply client() {
    return client.send(REQUEST);
  }
}
