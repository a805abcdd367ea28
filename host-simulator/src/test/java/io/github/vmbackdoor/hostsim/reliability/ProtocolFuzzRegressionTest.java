package io.github.vmbackdoor.hostsim.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.RpciClient;
import org.junit.jupiter.api.Test;

/**
 * What the protocol fuzzer found, kept as regression tests: a guest could grow the host's
 * guestinfo, capabilities and SetGuestInfo stores without bound by using new names (seed
 * 6432249175718845751 and others, once the fuzzer sent real commands). Fixed in the model: each
 * store takes at most {@code guestStoreLimit} names.
 */
class ProtocolFuzzRegressionTest {

  @Test
  void theSeedThatFirstGrewTheStoresStaysWithinTheLimits() {
    ProtocolFuzzer fuzzer = new ProtocolFuzzer(6432249175718845751L);
    fuzzer.run(ProtocolFuzzTest.CALLS_PER_HOST);
    assertThat(fuzzer.violations).isEmpty();
  }

  @Test
  void aGuestCannotGrowTheStoresPastTheLimitButCanUpdateWhatItStored() {
    VirtualHost host = VirtualHost.builder().guestStoreLimit(16).build();
    RpciClient rpci = RpciClient.create(host.backdoor());
    for (int i = 0; i < 16; i++) {
      assertThat(rpci.guestInfoSet("k" + i, "v").isSuccess()).isTrue();
      assertThat(rpci.capability("c" + i, "1").isSuccess()).isTrue();
      assertThat(rpci.setGuestInfo(100 + i, "v").isSuccess()).isTrue();
    }
    assertThat(rpci.guestInfoSet("one-more", "v").text()).isEqualTo("Too many guestinfo variables");
    assertThat(rpci.capability("one-more", "1").text()).isEqualTo("Too many capabilities");
    assertThat(rpci.setGuestInfo(99, "v").text()).isEqualTo("Too many guest info types");
    assertThat(rpci.guestInfoSet("k3", "new value").isSuccess()).isTrue();
    assertThat(host.records().guestInfo()).hasSize(16).containsEntry("guestinfo.k3", "new value");
    assertThat(host.records().capabilities()).hasSize(16);
    assertThat(host.records().setGuestInfoValues()).hasSize(16);
    host.putGuestInfo("guestinfo.from-the-host", "x");
    assertThat(rpci.guestInfoGet("from-the-host").text()).isEqualTo("x");
  }
}
