package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The command line's manners: a bind address that is no address is one line; {@code serve} warns
 * when it or its admin API listens beyond this machine and shows the address it was given; {@code
 * help} is a command.
 */
class HygieneTest {

  private final Cli cli = new Cli();

  @Test
  void aBindAddressThatIsNoAddressIsOneLine() {
    for (String option : new String[] {"--bind", "--admin-bind"}) {
      assertThat(cli.run("serve", option, "999.1.1.1")).isEqualTo(2);
      assertThat(cli.err())
          .isEqualTo(
              "vmbackdoor serve: Invalid value for option '"
                  + option
                  + "': '999.1.1.1' is neither an IP address nor a host name this machine knows\n"
                  + "see 'java -jar vmbackdoor.jar serve --help'\n");
    }
  }

  /** Starts serve with the admin API on {@code bind}, reads its banner; returns its stderr. */
  private static String serveOn(String bind) throws Exception {
    RunningServe serve =
        new RunningServe("--bind", bind, "--admin-port", "0", "--admin-bind", bind, "--quiet");
    try (serve) {
      assertThat(serve.nextLine()).isEqualTo("serving VM vm1");
      assertThat(serve.nextLine()).matches("admin API on " + bind.replace(".", "\\.") + ":\\d+");
    }
    return serve.errors();
  }

  @Test
  void serveWarnsWhenItListensBeyondThisMachine() throws Exception {
    assertThat(serveOn("0.0.0.0").lines())
        .hasSize(2)
        .allMatch(
            l -> l.startsWith("vmbackdoor serve: warning: ") && l.endsWith("beyond this machine"));
    assertThat(serveOn("127.0.0.1")).isEmpty();
  }

  @Test
  void helpIsACommand() {
    assertThat(cli.run("help")).isZero();
    assertThat(cli.out()).contains("Commands:").contains("replay");
    assertThat(cli.run("help", "replay")).isZero();
    assertThat(cli.out()).startsWith("Usage: java -jar vmbackdoor.jar replay");
  }
}
