/**
 * Failure scenarios in virtual time, and replay.
 *
 * <p>A {@link io.github.vmbackdoor.hostsim.scenario.Scenario} is a host (seed and policies), a
 * guest flavor, a run length and a timeline of host events and named faults, built in Java or read
 * from its text form (docs/scenario-format.md). {@link
 * io.github.vmbackdoor.hostsim.scenario.ScenarioRunner} runs it against the fixed, legacy or
 * proposed-patch TCLO machine, or a user's {@link io.github.vmbackdoor.hostsim.scenario.GuestCode},
 * and returns a {@link io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome}. {@link
 * io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios} holds the seven scenarios of
 * docs/state-machines.md. {@link io.github.vmbackdoor.hostsim.scenario.HostReplay} drives a trace's
 * recorded guest calls into a fresh host and reports the first answer that differs.
 */
package io.github.vmbackdoor.hostsim.scenario;
