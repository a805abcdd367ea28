package io.github.vmbackdoor.hostsim.reliability;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAX_GUEST_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.Fault;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Suite 5: guestinfo set then get through {@link RpciClient} for value sizes from 0 to 64 KiB, over
 * the 4-byte (LB) and the high-bandwidth (HB) path, with one checkpoint per size injected at a
 * random call of the round trips: a host checkpoint between two calls, or a checkpoint fault at a
 * random step. Nothing may be lost or corrupted.
 *
 * <p>Sizes: CI runs a dense sample ({@link #sampledSizes}); {@code -Dvmbackdoor.long=true} or
 * {@code -Dvmbackdoor.integritySizes=all} runs every size. Sizes the guest cannot set (the request
 * would exceed the host's 65,536-byte message limit, or the empty value a VMX refuses) are put
 * host-side and read back, and the guest's set must be refused without touching the stored value.
 */
class IntegrityTest {

  private static final String KEY = "v";
  private static final String SET_PREFIX = "info-set guestinfo." + KEY + " ";

  /** The largest value one info-set request can carry: the prefix and the trailing NUL fit. */
  static final int MAX_SETTABLE = MAX_GUEST_MESSAGE - SET_PREFIX.length() - 1;

  static final int MAX_SIZE = 64 * 1024;

  private static final Step[][] DATA_STEPS = {
    {Step.SENDSIZE, Step.SENDPAYLOAD, Step.RECVSIZE, Step.RECVPAYLOAD, Step.RECVSTATUS},
    {Step.SENDSIZE, Step.SEND_HB, Step.RECVSIZE, Step.RECV_HB, Step.RECVSTATUS}
  };

  /** Every size from 0 to 2 KiB, ±4 around every KiB after that, the limits, 256 random. */
  static TreeSet<Integer> sampledSizes(SplittableRandom random) {
    TreeSet<Integer> sizes = new TreeSet<>();
    for (int s = 0; s <= 2048; s++) {
      sizes.add(s);
    }
    for (int k = 2; k <= 64; k++) {
      for (int d = -4; d <= 4; d++) {
        sizes.add(Math.min(MAX_SIZE, k * 1024 + d));
      }
    }
    for (int d = -4; d <= 4; d++) {
      sizes.add(MAX_SETTABLE + d);
    }
    for (int i = 0; i < 256; i++) {
      sizes.add(random.nextInt(MAX_SIZE + 1));
    }
    return sizes;
  }

  @ParameterizedTest(name = "high bandwidth {0}")
  @ValueSource(booleans = {false, true})
  void everyValueSizeArrivesIntactAcrossACheckpoint(boolean highBandwidth) {
    boolean all = Soak.longMode() || "all".equals(System.getProperty("vmbackdoor.integritySizes"));
    SplittableRandom random = new SplittableRandom(Soak.seed() ^ (highBandwidth ? 1 : 2));
    List<Integer> sizes = new ArrayList<>();
    if (all) {
      for (int s = 0; s <= MAX_SIZE; s++) {
        sizes.add(s);
      }
    } else {
      sizes.addAll(sampledSizes(random));
    }
    long started = System.nanoTime();
    VirtualHost host =
        VirtualHost.builder().highBandwidth(highBandwidth).callLogLimit(0).historyLimit(4).build();
    CheckpointingBackdoor backdoor = new CheckpointingBackdoor(host);
    RpciClient client = RpciClient.create(backdoor);
    // Printable ASCII, space included.
    char[] alphabet = new char[95];
    for (int i = 0; i < alphabet.length; i++) {
      alphabet[i] = (char) (' ' + i);
    }
    List<String> lost = new ArrayList<>();
    List<String> corrupted = new ArrayList<>();
    long faults = 0;
    for (int size : sizes) {
      char[] chars = new char[size];
      for (int i = 0; i < size; i++) {
        chars[i] = alphabet[random.nextInt(alphabet.length)];
      }
      String value = new String(chars);
      // One checkpoint somewhere in the set and get round trips.
      int lbCalls = 12 + (2 * size + 64) / 4;
      int calls = highBandwidth ? 16 : lbCalls;
      if (random.nextBoolean()) {
        backdoor.checkpointBefore(1 + random.nextInt(calls));
      } else {
        Step step = DATA_STEPS[highBandwidth ? 1 : 0][random.nextInt(5)];
        int nth =
            step == Step.SENDPAYLOAD || step == Step.RECVPAYLOAD
                ? 1 + random.nextInt(Math.max(1, lbCalls / 2))
                : 1 + random.nextInt(2);
        host.clearFaults();
        faults++;
        host.installFault(
            Fault.builder().protocol(PROTOCOL_RPCI).step(step).nth(nth).checkpoint().build());
      }
      if (size == 0) {
        // A VMX refuses an empty value (docs/host-model.md §4.3): the host holds it instead.
        host.putGuestInfo("guestinfo." + KEY, value);
        assertThat(client.guestInfoSet(KEY, value).isSuccess()).isFalse();
        assertThat(host.guestInfo().get("guestinfo." + KEY)).isEmpty();
      } else if (size <= MAX_SETTABLE) {
        RpciReply set = client.guestInfoSet(KEY, value);
        String stored = host.guestInfo().get("guestinfo." + KEY);
        if (!set.isSuccess() || stored == null) {
          lost.add("set of " + size + " bytes: " + set);
        } else if (!stored.equals(value)) {
          corrupted.add("set of " + size + " bytes stored " + stored.length() + " bytes");
        }
      } else {
        host.putGuestInfo("guestinfo." + KEY, value);
        assertThatThrownBy(() -> client.guestInfoSet(KEY, value + "x"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(host.guestInfo().get("guestinfo." + KEY)).isEqualTo(value);
      }
      RpciReply get = client.guestInfoGet(KEY);
      if (!get.isSuccess()) {
        lost.add("get of " + size + " bytes: " + get);
      } else if (!get.text().equals(value)) {
        corrupted.add("get of " + size + " bytes returned " + get.text().length() + " bytes");
      }
      backdoor.checkpointBefore(0);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Soak.report(
        "integrity",
        "%s: %d value sizes (%s) set and read back in %.1f s; %d host "
            + "checkpoints taken and %d checkpoint faults installed, %d calls answered CPT (operations "
            + "restarted); %d lost, %d corrupted",
        highBandwidth ? "HB" : "LB",
        sizes.size(),
        all ? "every size 0.." + MAX_SIZE : "sampled",
        seconds,
        host.checkpoints(),
        faults,
        backdoor.cptAnswers,
        lost.size(),
        corrupted.size());
    assertThat(lost).isEmpty();
    assertThat(corrupted).isEmpty();
    assertThat(host.channels()).as("no channel left behind").isEmpty();
  }

  /**
   * Passes calls to the host; before the n-th call from the last {@link #checkpointBefore} it makes
   * the host take a checkpoint. Counts answers that carry the checkpoint status.
   */
  static final class CheckpointingBackdoor implements Backdoor {
    private final VirtualHost host;
    private final Backdoor delegate;
    private int countdown;
    long cptAnswers;

    CheckpointingBackdoor(VirtualHost host) {
      this.host = host;
      this.delegate = host.backdoor();
    }

    void checkpointBefore(int n) {
      countdown = n;
    }

    private void tick() {
      if (countdown > 0 && --countdown == 0) {
        host.checkpoint();
      }
    }

    private Registers count(Registers out, boolean hb) {
      int status = hb ? out.ebxHigh() : out.ecxHigh();
      if ((status & io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT) != 0) {
        cptAnswers++;
      }
      return out;
    }

    @Override
    public Registers in(Registers r) {
      tick();
      return count(delegate.in(r), false);
    }

    @Override
    public Registers outs(Registers r, byte[] bytes) {
      tick();
      return count(delegate.outs(r, bytes), true);
    }

    @Override
    public Registers ins(Registers r, byte[] into) {
      tick();
      return count(delegate.ins(r, into), true);
    }
  }
}
