package io.github.vmbackdoor.hostsim.junit;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.guest.RealGuest;
import io.github.vmbackdoor.hostsim.guest.Trap;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettingLayer;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import io.github.vmbackdoor.rpc.ToolsService;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * A JUnit 5 extension that gives every test a fresh simulated VM and a guest connected to it.
 *
 * <p>Declarative, with {@link SimulatedVm} on the test class; or programmatic, with a field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static VmExtension vm = VmExtension.builder()
 *     .transport(Transport.TCP)
 *     .configureHost(host -> host.channelTableSize(8).idleTimeout(Duration.ofSeconds(30)))
 *     .build();
 * }</pre>
 *
 * <p>Test methods and {@code @BeforeEach}/{@code @AfterEach} methods receive, by parameter type:
 * {@link VmSimulator} (the handle: host, simulation, test-side calls), {@link VirtualHost}, a
 * connected guest {@link Backdoor}, an {@link RpciClient} on that guest, a started {@link
 * ToolsService}, and (over TCP) a {@link RealGuest} that runs unmodified programs such as VMware
 * Tools against the VM under the trap. Within one test each type resolves to the same instance.
 *
 * <p>Each test gets a new {@link VirtualHost} on a new simulation, so nothing a test does is seen
 * by the next one, whatever their order. After each test, passed or failed, the ToolsService is
 * stopped, its scheduler shut down and the guest connections closed. Over TCP one server serves
 * every test of the class (each test under its own VM) and is closed after the class.
 *
 * <p>When a test fails, the failure carries a {@link VmDiagnosis} as a suppressed exception, one
 * screen of it: the virtual time, the faults installed and fired (named as the scenario named them,
 * repeats folded), the newest backdoor calls in the protocol's words (idle TCLO polls folded), RPCI
 * requests and TCLO exchanges, and the scenario events that ran. The full diagnosis, every call
 * kept with its registers, is published as the report entry {@value #DIAGNOSIS_ENTRY}.
 */
public final class VmExtension
    implements ExecutionCondition,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver,
        TestExecutionExceptionHandler {

  /**
   * The key of the report entry that holds a failed test's full diagnosis (its {@link VmDiagnosis}
   * is the one-screen form).
   */
  public static final String DIAGNOSIS_ENTRY = "vmbackdoor.diagnosis";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(VmExtension.class);
  private static final String VM = "vm";
  private static final String SERVER = "server";
  private static final Set<Class<?>> INJECTED =
      Set.of(
          VmSimulator.class,
          VirtualHost.class,
          Backdoor.class,
          RpciClient.class,
          ToolsService.class,
          RealGuest.class);

  /** Null when the configuration comes from {@link SimulatedVm} on the test class. */
  private final VmConfig config;

  private volatile VmSimulator current;

  /**
   * The extension as {@link SimulatedVm} registers it: configured by the annotation on the test
   * class (or an enclosing class), with the defaults when there is none.
   */
  public VmExtension() {
    this.config = null;
  }

  private VmExtension(VmConfig config) {
    this.config = config;
  }

  /**
   * A builder for a {@code @RegisterExtension} field; every setting has the annotation's default.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The VM of the test running now, for tests that do not take it as a parameter. Meant for tests
   * run one at a time; with parallel tests, take {@link VmSimulator} as a parameter.
   *
   * @throws IllegalStateException outside a test
   */
  public VmSimulator simulator() {
    VmSimulator vm = current;
    Preconditions.checkState(vm != null, "no test is running");
    return vm;
  }

  /**
   * Skips, with the reason, a test that takes a {@link RealGuest} where this machine cannot trap;
   * unless the environment variable {@value Trap#REQUIRED_ENV} is {@code 1}, when the test runs and
   * fails with the reason.
   */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    boolean wantsRealGuest =
        context
            .getTestMethod()
            .map(m -> Arrays.asList(m.getParameterTypes()).contains(RealGuest.class))
            .orElse(false);
    if (!wantsRealGuest || Trap.required()) {
      return ConditionEvaluationResult.enabled("");
    }
    return Trap.unavailableReason()
        .map(r -> ConditionEvaluationResult.disabled("this machine cannot trap: " + r))
        .orElse(ConditionEvaluationResult.enabled("this machine can trap"));
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    current = vm(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    current = null;
    VmSimulator.Resource resource =
        context.getStore(NAMESPACE).remove(VM, VmSimulator.Resource.class);
    if (resource != null) {
      resource.vm.close();
    }
  }

  /**
   * A test failed: when it used its VM, adds what the VM knew ({@link VmDiagnosis}) to the failure
   * as a suppressed exception and publishes it as the report entry {@value #DIAGNOSIS_ENTRY}.
   */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    VmSimulator.Resource resource = context.getStore(NAMESPACE).get(VM, VmSimulator.Resource.class);
    if (resource != null) {
      try {
        failure.addSuppressed(new VmDiagnosis(FailureDiagnosis.of(resource.vm, DIAGNOSIS_ENTRY)));
        context.publishReportEntry(DIAGNOSIS_ENTRY, FailureDiagnosis.full(resource.vm));
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
    throw failure;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return INJECTED.contains(parameter.getParameter().getType());
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (context.getTestMethod().isEmpty()) {
      throw new ParameterResolutionException(
          "a simulated VM exists only for a test: take "
              + parameter.getParameter().getType().getSimpleName()
              + " as a parameter of a test method or of a @BeforeEach/@AfterEach method");
    }
    VmSimulator vm = vm(context);
    Class<?> type = parameter.getParameter().getType();
    if (type == VmSimulator.class) {
      return vm;
    } else if (type == VirtualHost.class) {
      return vm.host();
    } else if (type == Backdoor.class) {
      return vm.guest();
    } else if (type == RpciClient.class) {
      return vm.rpci();
    } else if (type == RealGuest.class) {
      return vm.realGuest();
    } else {
      return vm.toolsService();
    }
  }

  /** The test's VM, made on first use and kept in the test's store. */
  private VmSimulator vm(ExtensionContext context) {
    return context
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            VM, key -> new VmSimulator.Resource(newVm(context)), VmSimulator.Resource.class)
        .vm;
  }

  private VmSimulator newVm(ExtensionContext context) {
    VmConfig c = config != null ? config : annotated(context.getRequiredTestClass());
    SharedServer server = null;
    if (c.transport() == Transport.TCP) {
      ExtensionContext classContext = context.getParent().orElse(context);
      server =
          classContext
              .getStore(NAMESPACE)
              .getOrComputeIfAbsent(SERVER, key -> new SharedServer(), SharedServer.class);
    }
    return new VmSimulator(c, server);
  }

  private static VmConfig annotated(Class<?> testClass) {
    for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
      Optional<SimulatedVm> annotation = AnnotationSupport.findAnnotation(c, SimulatedVm.class);
      if (annotation.isPresent()) {
        return VmConfig.of(annotation.get());
      }
    }
    return VmConfig.DEFAULTS;
  }

  @Override
  public String toString() {
    return "VmExtension{" + (config != null ? config.transport() : "@SimulatedVm") + "}";
  }

  /** Builds a {@link VmExtension}; the defaults are those of {@link SimulatedVm}. */
  public static final class Builder {
    private Transport transport = VmConfig.DEFAULTS.transport();
    private long seed = VmConfig.DEFAULTS.seed();
    private HostSettingLayer host = VmConfig.DEFAULTS.host();
    private Scenario scenario;
    private String vmName = VmConfig.DEFAULTS.vmName();
    private TcloMachineFactory machine = VmConfig.DEFAULTS.machine();
    private Consumer<VirtualHostBuilder> hostCustomizer = b -> {};
    private Consumer<ToolsService.Builder> toolsCustomizer = b -> {};

    private Builder() {}

    /** How guest code reaches the VM. Default {@link Transport#IN_PROCESS}. */
    public Builder transport(Transport transport) {
      this.transport = Preconditions.checkNotNull(transport, "transport");
      return this;
    }

    /** The seed of each test's simulation and host. Default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The host's channel table size. Default 128. */
    public Builder channelTableSize(int size) {
      return policy(host.settings().policy().withChannelTableSize(size));
    }

    /** Whether the host offers the high-bandwidth port. Default true. */
    public Builder highBandwidth(boolean offered) {
      return policy(host.settings().policy().withHighBandwidth(offered));
    }

    /** Whether the host refuses a TCLO reply when no command is outstanding. Default false. */
    public Builder rejectUnsolicitedTcloReplies(boolean reject) {
      return policy(host.settings().policy().withRejectUnsolicitedTcloReplies(reject));
    }

    /**
     * What eax holds when the host refuses a message call. Default {@link RefusalRegisters#ZERO},
     * as a real host answers.
     */
    public Builder refusalRegisters(RefusalRegisters registers) {
      return policy(
          host.settings().policy().withRefusalRegisters(Preconditions.checkNotNull(registers)));
    }

    /**
     * Whether a TCLO channel whose first message was an unsolicited reset reply has its next ping
     * refused, with "reset" queued (the field's vmt(4) loop). Default false.
     */
    public Builder resetAfterUnsolicitedReply(boolean reset) {
      return policy(host.settings().policy().withResetAfterUnsolicitedReply(reset));
    }

    /** All the host's policies at once. Default {@link HostPolicy#DEFAULTS}. */
    public Builder policy(HostPolicy policy) {
      this.host = host.withChanges(host.settings().withPolicy(Preconditions.checkNotNull(policy)));
      return this;
    }

    /**
     * One host setting read from its text, as a scenario's {@code host} line gives it ({@link
     * HostSetting#ALL}).
     *
     * @throws IllegalArgumentException with a one-line message when the value is not allowed
     */
    public Builder setting(HostSetting setting, String value) {
      this.host = host.with(setting, value);
      return this;
    }

    /**
     * A scenario each test plays: its seed and host settings are the host's, and its timeline is
     * scheduled on the test's simulation. The seed and host settings are then the scenario's alone:
     * {@link #build()} refuses a seed or policy set here too.
     */
    public Builder scenario(Scenario scenario) {
      this.scenario = Preconditions.checkNotNull(scenario, "scenario");
      return this;
    }

    /** {@link #scenario(Scenario)} of a scenario file on the test class path. */
    public Builder scenario(String classpathResource) {
      return scenario(VmConfig.resource(classpathResource));
    }

    /** The VM's name on the server (over TCP). Default {@code vm1}. */
    public Builder vmName(String vmName) {
      this.vmName = Preconditions.checkNotNull(vmName, "vmName");
      return this;
    }

    /**
     * The TCLO machine of the injected ToolsService, a built-in ({@code TcloMachines}) or one's
     * own. Default {@code FIXED}.
     */
    public Builder machine(TcloMachineFactory machine) {
      this.machine = Preconditions.checkNotNull(machine, "machine");
      return this;
    }

    /**
     * Changes each test's host builder after the settings above were applied (identity, policies,
     * RPCI handlers, idle timeout, ...). Replaces an earlier hook.
     */
    public Builder configureHost(Consumer<VirtualHostBuilder> hook) {
      this.hostCustomizer = Preconditions.checkNotNull(hook, "hook");
      return this;
    }

    /**
     * Changes each test's ToolsService builder before the service is built and started (options,
     * handlers, listeners, scheduler). Replaces an earlier hook.
     */
    public Builder configureToolsService(Consumer<ToolsService.Builder> hook) {
      this.toolsCustomizer = Preconditions.checkNotNull(hook, "hook");
      return this;
    }

    /**
     * The extension.
     *
     * @throws IllegalArgumentException when a setting is out of range
     */
    public VmExtension build() {
      VmConfig config =
          new VmConfig(
              transport,
              seed,
              host,
              vmName,
              machine,
              Optional.empty(),
              hostCustomizer,
              toolsCustomizer);
      return new VmExtension(scenario == null ? config : config.withScenario(scenario));
    }
  }
}
