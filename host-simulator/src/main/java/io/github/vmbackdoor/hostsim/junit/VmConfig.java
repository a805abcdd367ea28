package io.github.vmbackdoor.hostsim.junit;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.github.vmbackdoor.hostsim.scenario.Extensions;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSettingLayer;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.ToolsService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What {@link VmExtension} builds for each test, from the annotation or from the builder. With a
 * scenario, the host's seed and settings are the scenario's.
 */
record VmConfig(
    Transport transport,
    long seed,
    HostSettingLayer host,
    String vmName,
    TcloMachineFactory machine,
    Optional<Scenario> scenario,
    Consumer<VirtualHostBuilder> hostCustomizer,
    Consumer<ToolsService.Builder> toolsCustomizer) {

  static final VmConfig DEFAULTS =
      new VmConfig(
          Transport.IN_PROCESS,
          0L,
          HostSettingLayer.NONE,
          "vm1",
          TcloMachines.FIXED,
          Optional.empty(),
          b -> {},
          b -> {});

  VmConfig {
    Preconditions.checkNotNull(transport, "transport");
    Preconditions.checkNotNull(host, "host");
    VmName.check(Preconditions.checkNotNull(vmName, "vmName"));
    Preconditions.checkNotNull(machine, "machine");
    Preconditions.checkNotNull(scenario, "scenario");
    Preconditions.checkNotNull(hostCustomizer, "hostCustomizer");
    Preconditions.checkNotNull(toolsCustomizer, "toolsCustomizer");
  }

  /**
   * This configuration playing {@code s}: the seed and host settings become the scenario's.
   *
   * @throws IllegalArgumentException when a seed or host setting was also given here: the scenario
   *     file is the one place for them
   */
  VmConfig withScenario(Scenario s) {
    Preconditions.checkArgument(
        seed == DEFAULTS.seed() && host.equals(HostSettingLayer.NONE),
        "scenario %s sets the seed and the host settings; give them in the scenario file, not"
            + " also in @SimulatedVm or VmExtension.builder()",
        s.name());
    return new VmConfig(
        transport,
        s.seed(),
        s.hostLayer(),
        vmName,
        machine,
        Optional.of(s),
        hostCustomizer,
        toolsCustomizer);
  }

  static VmConfig of(SimulatedVm annotation) {
    HostPolicy policy =
        HostPolicy.DEFAULTS
            .withChannelTableSize(annotation.channelTableSize())
            .withHighBandwidth(annotation.highBandwidth())
            .withRejectUnsolicitedTcloReplies(annotation.rejectUnsolicitedTcloReplies())
            .withRefusalRegisters(annotation.refusalRegisters())
            .withResetAfterUnsolicitedReply(annotation.resetAfterUnsolicitedReply());
    VmConfig config =
        new VmConfig(
            annotation.transport(),
            annotation.seed(),
            HostSettingLayer.NONE.withChanges(HostSettings.DEFAULTS.withPolicy(policy)),
            annotation.vmName(),
            machine(annotation.machine()),
            Optional.empty(),
            b -> {},
            b -> {});
    return annotation.scenario().isEmpty()
        ? config
        : config.withScenario(resource(annotation.scenario()));
  }

  /**
   * The TCLO machine {@code name} names, a built-in or an extension's.
   *
   * @throws IllegalArgumentException naming the known machines when none is named so
   */
  static TcloMachineFactory machine(String name) {
    Extensions extensions = Extensions.installed();
    return extensions
        .machine(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no TCLO machine '"
                        + name
                        + "' (known: "
                        + String.join(", ", extensions.machineNames())
                        + ")"));
  }

  /** Reads a scenario file from the test's class path. */
  static Scenario resource(String path) {
    String name = path.startsWith("/") ? path.substring(1) : path;
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try (InputStream in = loader.getResourceAsStream(name)) {
      Preconditions.checkArgument(in != null, "scenario %s: not on the test class path", path);
      return Scenario.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("scenario " + path + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage().startsWith("scenario ")
              ? e.getMessage()
              : "scenario " + path + ": " + e.getMessage(),
          e);
    }
  }
}
