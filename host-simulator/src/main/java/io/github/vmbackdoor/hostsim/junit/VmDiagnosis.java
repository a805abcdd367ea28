package io.github.vmbackdoor.hostsim.junit;

/**
 * What the simulated VM knew when a test failed: {@link VmExtension} adds it to the test's failure
 * as a suppressed exception (and publishes the same text as a report entry). Its message is the
 * diagnosis; it has no stack trace of its own.
 */
public final class VmDiagnosis extends RuntimeException {

  private static final long serialVersionUID = 1L;

  VmDiagnosis(String diagnosis) {
    super(diagnosis, null, false, false);
  }
}
