package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import io.github.vmbackdoor.rpc.RpciClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One server-wide bound on what all VMs keep: with 100 VMs, each VM's byte limits are scaled so
 * that together they stay within {@code --store-limit}, and each VM refuses past its share.
 */
@Timeout(600)
class ServeStoreBoundTest {

  @Test
  void theSharesOfAHundredVmsStayWithinTheBound() {
    long bound = 256L << 20;
    HostSettings each = StoreShare.of(bound, 100).apply(HostSettings.DEFAULTS);
    assertThat(100 * StoreShare.weight(each.policy())).isLessThanOrEqualTo(bound);
    assertThat(each.policy().guestStoreBytesLimit()).isPositive();
    // one VM alone keeps its own limits
    assertThat(StoreShare.of(bound, 1).apply(HostSettings.DEFAULTS))
        .isEqualTo(HostSettings.DEFAULTS);
    assertThat(StoreShare.weight(HostPolicy.DEFAULTS)).isLessThanOrEqualTo(bound);
  }

  @Test
  void aHundredVmsFloodedThroughTheirStoresEachRefusePastTheirShare() throws Exception {
    List<String> options = new ArrayList<>(List.of("--store-limit", "32M"));
    for (int i = 1; i <= 100; i++) {
      options.add("--vm");
      options.add("vm" + i);
    }
    long share =
        StoreShare.of(32L << 20, 100)
            .apply(ServedFleet.served(null))
            .policy()
            .guestStoreBytesLimit();
    String value = "v".repeat(1000);
    long acceptedAll = 0;
    try (RunningServe serve = new RunningServe(options.toArray(new String[0]))) {
      for (int i = 1; i <= 100; i++) {
        try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm" + i)) {
          RpciClient rpci = RpciClient.create(guest);
          long accepted = 0;
          for (int k = 0; ; k++) {
            String key = "k" + k;
            if (!rpci.guestInfoSet(key, value).isSuccess()) {
              break;
            }
            accepted += ("guestinfo." + key).length() + value.length();
            assertThat(accepted).as("vm%s", i).isLessThanOrEqualTo(share);
          }
          for (int k = 0; k < 200; k++) {
            assertThat(rpci.log(value).isSuccess()).isTrue(); // histories drop their oldest
          }
          acceptedAll += accepted;
        }
      }
      // the server still serves: nothing ran out
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        assertThat(RpciClient.create(guest).log("after the flood").isSuccess()).isTrue();
      }
    }
    assertThat(acceptedAll).isPositive().isLessThanOrEqualTo(32L << 20);
  }
}
