package io.github.vmbackdoor.hostsim.junit;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.rpc.ToolsService;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives every test of the annotated class a fresh simulated VM: registers {@link VmExtension},
 * configured by these attributes. Test methods (and {@code @BeforeEach}/{@code @AfterEach} methods)
 * declare what they need as parameters: {@link VmSimulator}, {@link
 * io.github.vmbackdoor.hostsim.VirtualHost}, {@link io.github.vmbackdoor.core.Backdoor}, {@link
 * io.github.vmbackdoor.rpc.RpciClient}, {@link ToolsService}.
 *
 * <pre>{@code
 * @SimulatedVm(transport = Transport.TCP, channelTableSize = 8)
 * class GuestInfoTest {
 *   @Test
 *   void infoSetThenGet(RpciClient rpci, VmSimulator vm) {
 *     rpci.guestInfoSet("ip", "10.0.0.7");
 *     assertThat(vm.guestInfo("ip")).hasValue("10.0.0.7");
 *   }
 * }
 * }</pre>
 *
 * <p>Nested classes inherit the annotation of their enclosing class. Use either this annotation or
 * a {@code @RegisterExtension} field built by {@link VmExtension#builder()} in one class, not both.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(VmExtension.class)
public @interface SimulatedVm {

  /** How guest code reaches the VM. Default {@link Transport#IN_PROCESS}. */
  Transport transport() default Transport.IN_PROCESS;

  /** The seed of the test's simulation and host (cookies, UUID, fault draws). Default 0. */
  long seed() default 0L;

  /** The size of the host's channel table: 128 like current hosts (default), 8 like old ones. */
  int channelTableSize() default BackdoorProtocol.MAX_CHANNELS;

  /** Whether the host offers the high-bandwidth port. Default true. */
  boolean highBandwidth() default true;

  /**
   * Whether the host refuses a TCLO reply when no command is outstanding (see {@link
   * io.github.vmbackdoor.hostsim.VirtualHostBuilder#rejectUnsolicitedTcloReplies}). Default false.
   */
  boolean rejectUnsolicitedTcloReplies() default false;

  /**
   * What eax holds when the host refuses a message call (see {@link
   * io.github.vmbackdoor.hostsim.VirtualHostBuilder#refusalRegisters}). Default {@code ZERO}, as a
   * real host answers.
   */
  RefusalRegisters refusalRegisters() default RefusalRegisters.ZERO;

  /**
   * Whether a TCLO channel whose first message was an unsolicited reset reply has its next ping
   * refused, with "reset" queued (see {@link
   * io.github.vmbackdoor.hostsim.VirtualHostBuilder#resetAfterUnsolicitedReply}). Default false.
   */
  boolean resetAfterUnsolicitedReply() default false;

  /** The VM's name on the server (over TCP). Default {@code vm1}. */
  String vmName() default "vm1";

  /**
   * The name of the TCLO machine of an injected {@link ToolsService}: {@code fixed} (the default),
   * {@code legacy}, {@code proposed-patch} or one registered as a service (see {@link
   * io.github.vmbackdoor.hostsim.scenario.Extensions}).
   */
  String machine() default "fixed";

  /**
   * A scenario file on the test class path ({@code "scenarios/old-host.scenario"}, from {@code
   * src/test/resources}); empty for none. Each test's host gets the scenario's seed and host
   * settings, and the scenario's timeline is scheduled on the test's simulation, so host events
   * happen as the test advances virtual time. The seed and host settings are then the scenario's
   * alone: setting them here too is refused.
   */
  String scenario() default "";
}
