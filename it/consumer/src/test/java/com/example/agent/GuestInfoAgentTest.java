package com.example.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.junit.SimulatedVm;
import io.github.vmbackdoor.rpc.RpciClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A guest agent's test, written as a user of the published artifacts would write it. */
@SimulatedVm(seed = 7)
class GuestInfoAgentTest {

  @Test
  void guestInfoRoundTripsThroughTheSimulatedHost(RpciClient rpci) {
    rpci.guestInfoSet("ip", "10.0.0.7");
    assertEquals("10.0.0.7", rpci.guestInfoGet("ip").text());
  }

  @Test
  void tracesWorkBecauseTheSimulatorBringsJackson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TraceWriter writer = TraceWriter.create(out, TraceHeader.of(Map.of("vm", "a"), null))) {
      assertTrue(out.size() > 0);
    }
    try (TraceReader reader = TraceReader.open(new ByteArrayInputStream(out.toByteArray()))) {
      assertEquals("a", reader.header().vm().get("vm"));
    }
  }
}
