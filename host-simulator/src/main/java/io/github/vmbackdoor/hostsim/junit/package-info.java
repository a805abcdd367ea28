/**
 * A JUnit 5 extension that gives each test a fresh simulated VM and a guest connected to it, in
 * process or over TCP: {@link io.github.vmbackdoor.hostsim.junit.SimulatedVm} on the test class, or
 * a {@code @RegisterExtension} field built by {@link
 * io.github.vmbackdoor.hostsim.junit.VmExtension#builder()}; tests take {@link
 * io.github.vmbackdoor.hostsim.junit.VmSimulator} and the guest's objects as parameters. See {@code
 * docs/junit-extension.md}.
 */
package io.github.vmbackdoor.hostsim.junit;
