package io.github.vmbackdoor.hostsim.cli;

import picocli.CommandLine.Option;

/** The {@code -h/--help} option every command has, mixed in with {@code @Mixin}. */
final class HelpOption {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  private boolean help;
}
