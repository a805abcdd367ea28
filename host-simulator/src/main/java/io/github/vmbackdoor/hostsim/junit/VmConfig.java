package io.github.vmbackdoor.hostsim.junit;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.ToolsService;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** What {@link VmExtension} builds for each test, from the annotation or from the builder. */
record VmConfig(
    Transport transport,
    long seed,
    int channels,
    boolean highBandwidth,
    boolean rejectUnsolicitedReplies,
    String vmName,
    TcloMachines machine,
    Consumer<VirtualHost.Builder> hostCustomizer,
    Consumer<ToolsService.Builder> toolsCustomizer) {

  static final VmConfig DEFAULTS =
      new VmConfig(
          Transport.IN_PROCESS, 0L, 128, true, false, "vm1", TcloMachines.FIXED, b -> {}, b -> {});

  VmConfig {
    Preconditions.checkNotNull(transport, "transport");
    Preconditions.checkArgument(
        channels >= 1 && channels <= 0x10000, "channels must be within 1..65536: %s", channels);
    Preconditions.checkNotNull(vmName, "vmName");
    int length = vmName.getBytes(StandardCharsets.UTF_8).length;
    Preconditions.checkArgument(
        length >= 1 && length <= 200 && vmName.codePoints().noneMatch(Character::isISOControl),
        "a VM name has 1 to 200 UTF-8 bytes and no control characters: \"%s\"",
        vmName);
    Preconditions.checkNotNull(machine, "machine");
    Preconditions.checkNotNull(hostCustomizer, "hostCustomizer");
    Preconditions.checkNotNull(toolsCustomizer, "toolsCustomizer");
  }

  static VmConfig of(SimulatedVm annotation) {
    return new VmConfig(
        annotation.transport(),
        annotation.seed(),
        annotation.channels(),
        annotation.highBandwidth(),
        annotation.rejectUnsolicitedReplies(),
        annotation.vmName(),
        annotation.machine(),
        b -> {},
        b -> {});
  }
}
