package io.github.vmbackdoor.hostsim.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloHealth;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Runs test classes that use the extension through the Jupiter engine and checks what is reported
 * and what is closed: a failing test is reported with its own failure, and everything the extension
 * started for it is closed afterwards. The classes run only here (see {@link OnlyInTestKit}).
 */
class ExtensionLifecycleTest {

  static final String TESTKIT = "vmbackdoor.testkit";

  /** What the probe classes saw, for the checks after their run. */
  static final List<VmSimulator> vms = new CopyOnWriteArrayList<>();

  static final List<ToolsService> services = new CopyOnWriteArrayList<>();
  static final List<Backdoor> guests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void forget() {
    vms.clear();
    services.clear();
    guests.clear();
  }

  private static EngineExecutionResults run(Class<?> testClass) {
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter(TESTKIT, "true")
        .selectors(selectClass(testClass))
        .execute();
  }

  private static EngineExecutionResults run(Class<?> testClass, Class<?> orderer) {
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter(TESTKIT, "true")
        .configurationParameter("junit.jupiter.testmethod.order.default", orderer.getName())
        .selectors(selectClass(testClass))
        .execute();
  }

  @Test
  void aFailingInProcessTestIsReportedAndItsGuestStopped() {
    Events tests = run(FailingInProcess.class).testEvents();
    tests.assertStatistics(stats -> stats.started(1).failed(1).succeeded(0));
    tests
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("failsAfterTheGuestRan"),
                finishedWithFailure(
                    instanceOf(AssertionError.class), message("the test's own failure"))));
    assertThat(vms).hasSize(1);
    VmSimulator vm = vms.get(0);
    assertThat(vm.isClosed()).isTrue();
    ToolsService tools = services.get(0);
    assertThat(tools.isRunning()).isFalse();
    assertThat(tools.machine().health()).isEqualTo(TcloHealth.STOPPED);
    // The guest closed its TCLO channel as it shut down.
    assertThat(vm.host().records().channels()).isEmpty();
    assertThat(vm.host().records().activeTcloChannel()).isEmpty();
    // No tick of the stopped guest runs any more.
    long calls = vm.host().records().callCount();
    vm.simulation().runFor(Duration.ofHours(1));
    assertThat(vm.host().records().callCount()).isEqualTo(calls);
    assertThatThrownBy(vm::toolsService).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aFailingTcpTestIsReportedAndItsConnectionsAndServerClosed() {
    Events tests = run(FailingOverTcp.class).testEvents();
    tests.assertStatistics(stats -> stats.started(2).failed(2).succeeded(0));
    tests
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("failsWithTheGuestConnected"),
                finishedWithFailure(message("the test's own failure"))))
        .haveExactly(
            1,
            event(
                test("throwsWithTheGuestConnected"),
                finishedWithFailure(instanceOf(IllegalStateException.class))));
    assertThat(vms).hasSize(2);
    for (VmSimulator vm : vms) {
      assertThat(vm.isClosed()).isTrue();
      assertThat(vm.host().records().activeTcloChannel()).isEmpty();
    }
    for (ToolsService tools : services) {
      assertThat(tools.isRunning()).isFalse();
    }
    assertThat(toolsThreads()).isEmpty();
    for (Backdoor guest : guests) {
      assertThatThrownBy(() -> RpciClient.create(guest).guestInfoGet("x"))
          .isInstanceOf(BackdoorException.class);
    }
    // The class's server is gone with the class.
    VmSimulator vm = vms.get(0);
    assertThatThrownBy(
            () -> RemoteBackdoor.connect(vm.address(), vm.vmName(), Duration.ofSeconds(5)))
        .isInstanceOf(BackdoorException.class);
  }

  @Test
  void injectionOutsideATestIsAClearFailure() {
    Events all = run(InjectedIntoBeforeAll.class).allEvents();
    all.assertThatEvents()
        .haveExactly(
            1,
            event(
                finishedWithFailure(
                    message(m -> m.contains("a simulated VM exists only for a test")))));
  }

  @Test
  void noStateLeaksBetweenTestsInEitherOrder() {
    for (Class<?> probe : List.of(LeakProbeInProcess.class, LeakProbeOverTcp.class)) {
      for (Class<?> orderer : List.of(MethodOrderer.MethodName.class, ReversedNames.class)) {
        run(probe, orderer)
            .testEvents()
            .assertStatistics(stats -> stats.started(3).succeeded(3).failed(0));
      }
    }
  }

  private static List<Thread> toolsThreads() {
    List<Thread> threads = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("vmbackdoor-tools-") && t.isAlive()) {
        threads.add(t);
      }
    }
    return threads;
  }

  // ---- the classes run through the engine ----

  /** Enables a class only when the engine runs it from this test. */
  static final class OnlyInTestKit implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(TESTKIT).isPresent()
          ? ConditionEvaluationResult.enabled("run by ExtensionLifecycleTest")
          : ConditionEvaluationResult.disabled("run only by ExtensionLifecycleTest");
    }
  }

  /** Method names in reverse order. */
  public static final class ReversedNames implements MethodOrderer {
    @Override
    public void orderMethods(MethodOrdererContext context) {
      new MethodOrderer.MethodName().orderMethods(context);
      Collections.reverse(context.getMethodDescriptors());
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  @SimulatedVm
  static class FailingInProcess {
    @Test
    void failsAfterTheGuestRan(VmSimulator vm, ToolsService tools) {
      vms.add(vm);
      services.add(tools);
      assertThat(
              vm.await(
                  () -> vm.host().records().activeTcloChannel().isPresent(), Duration.ofSeconds(5)))
          .isTrue();
      throw new AssertionError("the test's own failure");
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  @SimulatedVm(transport = Transport.TCP)
  static class FailingOverTcp {
    @Test
    void failsWithTheGuestConnected(VmSimulator vm, Backdoor guest, ToolsService tools) {
      remember(vm, guest, tools);
      throw new AssertionError("the test's own failure");
    }

    @Test
    void throwsWithTheGuestConnected(VmSimulator vm, Backdoor guest, ToolsService tools) {
      remember(vm, guest, tools);
      guests.add(vm.newGuest());
      throw new IllegalStateException("not an assertion");
    }

    private static void remember(VmSimulator vm, Backdoor guest, ToolsService tools) {
      vms.add(vm);
      guests.add(guest);
      services.add(tools);
      assertThat(
              vm.await(() -> vm.host().records().tcloReplies().size() == 1, Duration.ofSeconds(10)))
          .isTrue();
      assertThat(RpciClient.create(guest).guestInfoSet("x", "1").isSuccess()).isTrue();
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  @SimulatedVm
  static class InjectedIntoBeforeAll {
    @BeforeAll
    static void tooEarly(VmSimulator vm) {}

    @Test
    void neverRuns() {}
  }

  /** Each test checks that it starts from nothing, then leaves everything it can behind. */
  abstract static class LeakProbe {
    @Test
    void a(VmSimulator vm, RpciClient rpci, ToolsService tools) {
      freshThenDirty(vm, rpci);
    }

    @Test
    void b(VmSimulator vm, RpciClient rpci, ToolsService tools) {
      freshThenDirty(vm, rpci);
    }

    @Test
    void c(VmSimulator vm, RpciClient rpci, ToolsService tools) {
      freshThenDirty(vm, rpci);
    }

    private static void freshThenDirty(VmSimulator vm, RpciClient rpci) {
      VirtualHost host = vm.host();
      assertThat(vm.guestInfo("guestinfo.left")).isEmpty();
      assertThat(rpci.guestInfoGet("left").isSuccess()).isFalse();
      assertThat(host.records().checkpoints()).isZero();
      assertThat(host.records().tcloCommandsSent()).doesNotContain("ping");
      rpci.guestInfoSet("left", "behind");
      vm.enqueueTclo("ping");
      vm.checkpoint();
      MessageChannel.open(vm.newGuest(), BackdoorProtocol.PROTOCOL_RPCI);
      assertThat(host.records().channels())
          .extracting(ChannelInfo::protocol)
          .contains(BackdoorProtocol.PROTOCOL_RPCI);
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  @SimulatedVm
  static class LeakProbeInProcess extends LeakProbe {}

  @ExtendWith(OnlyInTestKit.class)
  @SimulatedVm(transport = Transport.TCP)
  static class LeakProbeOverTcp extends LeakProbe {}
}
