package io.github.vmbackdoor.hostsim.reliability;

import static io.github.vmbackdoor.core.BackdoorProtocol.CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAX_GUEST_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSTATUS;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultHit;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Suite 5: guestinfo set then get through {@link RpciClient} for value sizes from 0 to 64 KiB, over
 * the 4-byte (LB) and the high-bandwidth (HB) path, with one checkpoint per size injected at a
 * random call of the round trips: a host checkpoint between two calls, or a checkpoint fault at a
 * random step. Nothing may be lost or corrupted, and each checkpoint that caught an operation in
 * flight must be answered CPT exactly once (a host checkpoint before a payload, HB or RECVSTATUS
 * call, or a checkpoint fault that hit). Half the sizes go without the trailing NUL (as vmt sends
 * them), and the length and bytes the host received are checked, so a lost last byte cannot hide
 * behind the NUL.
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
    // Apart, so that the sizes and checkpoints drawn do not depend on it.
    SplittableRandom nulRandom = new SplittableRandom(Soak.seed() ^ (highBandwidth ? 3 : 4));
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
    // vmtoolsd ends a request with a NUL, vmt does not; without it nothing masks a lost last byte.
    RpciClient withNul = RpciClient.create(backdoor);
    RpciClient withoutNul =
        RpciClient.create(backdoor, RpciClient.Options.defaults().withTrailingNul(false));
    // Printable ASCII, space included.
    char[] alphabet = new char[95];
    for (int i = 0; i < alphabet.length; i++) {
      alphabet[i] = (char) (' ' + i);
    }
    List<String> lost = new ArrayList<>();
    List<String> corrupted = new ArrayList<>();
    List<String> cptMismatches = new ArrayList<>();
    long faults = 0;
    long faultHits = 0;
    long expectedCpt = 0;
    int withoutNulSizes = 0;
    for (int size : sizes) {
      char[] chars = new char[size];
      for (int i = 0; i < size; i++) {
        chars[i] = alphabet[random.nextInt(alphabet.length)];
      }
      String value = new String(chars);
      boolean nul = nulRandom.nextBoolean();
      RpciClient client = nul ? withNul : withoutNul;
      withoutNulSizes += nul ? 0 : 1;
      long cptBefore = backdoor.cptAnswers;
      long hostCptBefore = backdoor.expectedCpt;
      host.clearFaults();
      Fault fault = null;
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
        faults++;
        fault = Fault.builder().protocol(PROTOCOL_RPCI).step(step).nth(nth).checkpoint().build();
        host.installFault(fault);
      }
      if (size == 0) {
        // A VMX refuses an empty value (docs/host-model.md §4.3): the host holds it instead.
        host.putGuestInfo("guestinfo." + KEY, value);
        assertThat(client.guestInfoSet(KEY, value).isSuccess()).isFalse();
        assertThat(host.records().guestInfo().get("guestinfo." + KEY)).isEmpty();
      } else if (size <= MAX_SETTABLE) {
        RpciReply set = client.guestInfoSet(KEY, value);
        String stored = host.records().guestInfo().get("guestinfo." + KEY);
        RpciRequest request = lastRequest(host);
        int sent = SET_PREFIX.length() + size + (nul ? 1 : 0);
        if (!set.isSuccess() || stored == null) {
          lost.add("set of " + size + " bytes: " + set);
        } else if (!stored.equals(value)) {
          corrupted.add("set of " + size + " bytes stored " + stored.length() + " bytes");
        } else if (request.length() != sent || !request.text().equals(SET_PREFIX + value)) {
          corrupted.add(
              "set of " + size + " bytes arrived as " + request.length() + ", not " + sent);
        }
      } else {
        host.putGuestInfo("guestinfo." + KEY, value);
        assertThatThrownBy(() -> client.guestInfoSet(KEY, value + "x"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(host.records().guestInfo().get("guestinfo." + KEY)).isEqualTo(value);
      }
      RpciReply get = client.guestInfoGet(KEY);
      if (!get.isSuccess()) {
        lost.add("get of " + size + " bytes: " + get);
      } else if (!Arrays.equals(get.payload(), value.getBytes(StandardCharsets.US_ASCII))) {
        corrupted.add("get of " + size + " bytes returned " + get.payload().length + " bytes");
      }
      backdoor.checkpointBefore(0);
      // Each checkpoint that caught an operation in flight answers CPT exactly once: a host
      // checkpoint before a payload or status step, or a checkpoint fault that hit.
      List<FaultHit> hits = host.records().faultHits();
      boolean hit = fault != null && !hits.isEmpty() && hits.get(hits.size() - 1).fault() == fault;
      faultHits += hit ? 1 : 0;
      long due = backdoor.expectedCpt - hostCptBefore + (hit ? 1 : 0);
      expectedCpt += due;
      long answered = backdoor.cptAnswers - cptBefore;
      if (answered != due) {
        cptMismatches.add(
            "size " + size + ": " + answered + " CPT answers where " + due + " were due");
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Soak.report(
        "integrity",
        "%s: %d value sizes (%s; %d sent without a trailing NUL) set and read back in %.1f s; %d"
            + " host checkpoints taken and %d checkpoint faults installed (%d hit), %d calls"
            + " answered CPT (operations restarted) of %d due; %d lost, %d corrupted",
        highBandwidth ? "HB" : "LB",
        sizes.size(),
        all ? "every size 0.." + MAX_SIZE : "sampled",
        withoutNulSizes,
        seconds,
        host.records().checkpoints(),
        faults,
        faultHits,
        backdoor.cptAnswers,
        expectedCpt,
        lost.size(),
        corrupted.size());
    assertThat(lost).isEmpty();
    assertThat(corrupted).isEmpty();
    assertThat(cptMismatches).as("CPT answers, size by size").isEmpty();
    // The checkpoints did catch operations: most sizes restarted one.
    assertThat(backdoor.cptAnswers).isEqualTo(expectedCpt).isGreaterThan(sizes.size() / 2);
    assertThat(withoutNulSizes).isGreaterThan(sizes.size() / 3);
    assertThat(host.records().channels()).as("no channel left behind").isEmpty();
  }

  /** The last RPCI request the host received. */
  private static RpciRequest lastRequest(VirtualHost host) {
    List<RpciRequest> requests = host.records().rpciRequests();
    return requests.get(requests.size() - 1);
  }

  /**
   * Passes calls to the host; before the n-th call from the last {@link #checkpointBefore} it makes
   * the host take a checkpoint. Counts answers that carry the checkpoint status, and the CPT
   * answers due: a checkpoint taken before a step that continues an operation (a payload or HB
   * transfer, or RECVSTATUS) cancels it, so that very call must answer CPT.
   */
  static final class CheckpointingBackdoor implements Backdoor {
    private final VirtualHost host;
    private final Backdoor delegate;
    private int countdown;
    long cptAnswers;
    long expectedCpt;

    CheckpointingBackdoor(VirtualHost host) {
      this.host = host;
      this.delegate = host.backdoor();
    }

    void checkpointBefore(int n) {
      countdown = n;
    }

    /** Before a call: the checkpoint when its turn came; whether this call continues a message. */
    private void tick(boolean continuesAnOperation) {
      if (countdown > 0 && --countdown == 0) {
        host.checkpoint();
        expectedCpt += continuesAnOperation ? 1 : 0;
      }
    }

    private Registers count(Registers out, boolean hb) {
      int status = hb ? out.ebxHigh() : out.ecxHigh();
      boolean cpt = (status & STATUS_CPT) != 0;
      if (cpt) {
        cptAnswers++;
      }
      return out;
    }

    @Override
    public Registers in(Registers r) {
      int sub = r.ecxHigh();
      tick(
          r.ecxLow() == CMD_MESSAGE
              && (sub == MESSAGE_SENDPAYLOAD
                  || sub == MESSAGE_RECVPAYLOAD
                  || sub == MESSAGE_RECVSTATUS));
      return count(delegate.in(r), false);
    }

    @Override
    public Registers outs(Registers r, byte[] bytes) {
      tick(true);
      return count(delegate.outs(r, bytes), true);
    }

    @Override
    public Registers ins(Registers r, byte[] into) {
      tick(true);
      return count(delegate.ins(r, into), true);
    }
  }
}
