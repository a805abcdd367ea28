package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The static check of documented commands holds what holds and refuses what does not. */
class StaticCommandCheckTest {

  private static final String JAR = "java -jar benchmarks/target/benchmarks.jar ";

  @Test
  void acceptsTheCommandsAsTheBenchmarksRunThem() throws Exception {
    assertThat(
            StaticCommandCheck.check(
                String.join(
                    "\n",
                    JAR + "simulation-scale 10000 2 3600 &   # and 20000",
                    JAR + "-f 1 -wi 3 -prof gc 'TickBenchmark|CommandPortBenchmark'",
                    "for n in 1 2; do java -Xmx8g -jar benchmarks/target/benchmarks.jar"
                        + " simulation-scale $n 2 60; done",
                    "WIRE_CPUS=0 benchmarks/wire-c.sh [trials] [calls]",
                    "benchmarks/run-all.sh fleet",
                    "jmap -histo:live <pid>")))
        .hasSize(7);
  }

  @Test
  void refusesWhatDoesNotHold() {
    for (String wrong :
        List.of(
            JAR + "simulation-scale 10000 two",
            JAR + "simulation-scale 1 2 3 4 5 6",
            JAR + "NoSuchBenchmark",
            JAR + "-nosuchoption 1 Tick",
            JAR + "wire-ratio Tick",
            "java -jar other.jar",
            "java -cp benchmarks/target/benchmarks.jar io.github.vmbackdoor.bench.Nothing",
            "NO_SUCH_VARIABLE=1 benchmarks/wire-c.sh 1 200",
            "benchmarks/wire-c.sh 1 2 3",
            "benchmarks/run-all.sh everything",
            "benchmarks/no-such.sh",
            "./mvnw -Pnosuchprofile package",
            "rm -rf target")) {
      assertThatThrownBy(() -> StaticCommandCheck.check(wrong))
          .as(wrong)
          .isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void checksADependencyTreeAgainstThePomsAndTheResolvedJars() throws Exception {
    String root = "io.github.vmbackdoor:tclo-rpci:jar:0.1.0-SNAPSHOT";
    String core = "\\- io.github.vmbackdoor:backdoor-core:jar:0.1.0-SNAPSHOT:compile";
    assertThat(
            StaticCommandCheck.checkDependencyTree(
                List.of(root, core, "   +- net.java.dev.jna:jna:jar:5.14.0:compile")))
        .hasSize(3);
    assertThatThrownBy(
            () ->
                StaticCommandCheck.checkDependencyTree(
                    List.of(root, core, "   +- net.java.dev.jna:jna:jar:5.13.0:compile")))
        .hasMessageContaining("jna-5.13.0.jar");
    assertThatThrownBy(
            () ->
                StaticCommandCheck.checkDependencyTree(
                    List.of(
                        root,
                        core,
                        "   \\- com.fasterxml.jackson.core:jackson-core:jar:2.18.2:compile")))
        .hasMessageContaining("shown not optional");
    assertThatThrownBy(
            () ->
                StaticCommandCheck.checkDependencyTree(
                    List.of(root, "\\- com.google.guava:guava:jar:33.0.0-jre:compile")))
        .hasMessageContaining("does not depend on guava");
  }
}
