package io.github.vmbackdoor.hostsim.logimport;

import io.github.vmbackdoor.rpc.VmtFlavor;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A family of vmt(4) versions that print the same words in the same formats with the same timing.
 * The sources of each family are in docs/kernel-log-import.md, section "Flavors".
 */
public sealed interface LogFlavor {

  /** The family's name, as printed by {@code import-log}. */
  String label();

  /** The legacy machine that imitates the family closest. */
  VmtFlavor machine();

  /**
   * NetBSD 6 to 9: {@code sys/arch/x86/x86/vmt.c} (1.7.12.2, 1.7.12.3). Registers as {@code %08x};
   * the tick reschedules after {@code tclo_ping ? hz : 1}; an inline {@code strcmp} chain that
   * prints nothing for an unknown command. Its machine is {@link VmtFlavor#NETBSD_6_9}.
   */
  record NetBsd6To9() implements LogFlavor {
    @Override
    public String label() {
      return "NetBSD 6-9";
    }

    @Override
    public VmtFlavor machine() {
      return VmtFlavor.NETBSD_6_9;
    }
  }

  /**
   * NetBSD 10 and later: {@code sys/dev/vmt/vmt_subr.c} 1.2 and later. Registers as {@code %#}
   * {@code PRIxREGISTER} (zero prints as a bare {@code 0}); the tick's {@code delay} variable; a
   * command table that prints {@code unknown command}.
   */
  record NetBsd10() implements LogFlavor {
    @Override
    public String label() {
      return "NetBSD 10+";
    }

    @Override
    public VmtFlavor machine() {
      return VmtFlavor.NETBSD;
    }
  }

  /**
   * OpenBSD before the 2015 move to {@code sys/dev/pv} (5.7 and older; vmt attaches at {@code
   * mainbus0}): {@code sys/dev/vmt.c} 1.29 and before, every message a plain {@code printf}, so the
   * TCLO errors reach dmesg in a stock kernel. Its machine is {@link VmtFlavor#OPENBSD_1_17} (no
   * {@code delay} variable; 1.23 to 1.29 have one, but no later family is closer).
   */
  record OpenBsdPrintf() implements LogFlavor {
    @Override
    public String label() {
      return "OpenBSD before dev/pv (printf)";
    }

    @Override
    public VmtFlavor machine() {
      return VmtFlavor.OPENBSD_1_17;
    }
  }

  /**
   * OpenBSD since the move to {@code sys/dev/pv} (vmt attaches at {@code pvbus0}): {@code
   * sys/dev/pv/vmt.c}, the TCLO and RPC errors are {@code DPRINTF} (only with {@code VMT_DEBUG}),
   * some without a newline. Its machine is {@link VmtFlavor#OPENBSD} (1.32).
   */
  record OpenBsdDebug() implements LogFlavor {
    @Override
    public String label() {
      return "OpenBSD dev/pv (VMT_DEBUG)";
    }

    @Override
    public VmtFlavor machine() {
      return VmtFlavor.OPENBSD;
    }
  }

  /** A flavor and the evidence for it. */
  record Detected(LogFlavor flavor, String reason) {}

  /** The flavor a log shows, and why. */
  static Detected detect(List<String> raw, List<VmtLogLine> lines) {
    String openBsd = openBsdEvidence(raw, lines);
    if (openBsd != null) {
      if (raw.stream().anyMatch(r -> r.startsWith("vmt0 at mainbus0"))) {
        return new Detected(new OpenBsdPrintf(), "vmt attaches at mainbus0; " + openBsd);
      }
      if (raw.stream().anyMatch(r -> r.startsWith("vmt0 at pvbus0"))) {
        return new Detected(new OpenBsdDebug(), "vmt attaches at pvbus0; " + openBsd);
      }
      int[] version = version(raw, "OpenBSD");
      if (version != null && (version[0] < 5 || version[0] == 5 && version[1] <= 7)) {
        return new Detected(
            new OpenBsdPrintf(), "OpenBSD " + version[0] + "." + version[1] + "; " + openBsd);
      }
      return new Detected(new OpenBsdDebug(), openBsd);
    }
    int[] version = version(raw, "NetBSD");
    if (version != null) {
      LogFlavor f = version[0] >= 10 ? new NetBsd10() : new NetBsd6To9();
      return new Detected(f, "NetBSD " + version[0] + "." + version[1] + " in the log");
    }
    for (VmtLogLine l : lines) {
      if (l.message() == VmtMessage.UNKNOWN_COMMAND) {
        return new Detected(new NetBsd10(), "NetBSD ('unknown command' came with vmt_subr.c 1.3)");
      }
      if (l.message().carriesRegisters() && !l.registers().isEmpty()) {
        return l.text().contains("=0x") || ZERO_REGISTER.matcher(l.text()).find()
            ? new Detected(new NetBsd10(), "NetBSD (registers printed as %#x)")
            : new Detected(new NetBsd6To9(), "NetBSD (registers printed as %08x)");
      }
    }
    return new Detected(new NetBsd10(), "NetBSD (nothing OpenBSD-only or version-specific)");
  }

  /** A register printed as a bare {@code 0}: only {@code %#x} does that. */
  Pattern ZERO_REGISTER = Pattern.compile("\\b(?:eax|ebx|ecx|edx)=0(?![0-9a-fA-Fx])");

  private static String openBsdEvidence(List<String> raw, List<VmtLogLine> lines) {
    for (String r : raw) {
      if (r.contains(" /bsd:")) {
        return "OpenBSD (the syslog program is /bsd)";
      }
    }
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).message() == VmtMessage.RESUMING_FROM_SUSPEND) {
        return "OpenBSD (it prints 'VMware guest resuming from suspended state')";
      }
      if (i > 0 && lines.get(i).lineNumber() == lines.get(i - 1).lineNumber()) {
        return "OpenBSD (debug lines without a newline run into the next)";
      }
    }
    for (String r : raw) {
      if (r.startsWith("OpenBSD ")) {
        return "OpenBSD (its boot lines)";
      }
    }
    return null;
  }

  private static int[] version(List<String> raw, String os) {
    Pattern p = Pattern.compile("\\b" + os + " (\\d+)\\.(\\d+)");
    for (String r : raw) {
      Matcher m = p.matcher(r);
      if (m.find()) {
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
      }
    }
    return null;
  }
}
