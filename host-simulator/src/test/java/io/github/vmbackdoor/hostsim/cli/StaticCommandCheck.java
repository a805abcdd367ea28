package io.github.vmbackdoor.hostsim.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks a documented command without running it, for the examples marked {@code <!-- checked
 * statically: ... -->} (benchmarks, minutes long; Maven inside the build). Each line must be one of
 * these, or the check fails:
 *
 * <ul>
 *   <li>a script of the checkout ({@code benchmarks/wire-c.sh 10 5000}): it exists, is executable
 *       and parses ({@code bash -n}); each {@code NAME=VALUE} before it is a variable the script or
 *       what it sources reads; it takes as many arguments as given, each a number or a word it
 *       compares its argument to;
 *   <li>{@code java [JVM options] -jar benchmarks/target/benchmarks.jar ARGS}: a tool word of the
 *       jar's {@code Main} takes the arguments given (count and number types read from the tool's
 *       {@code main}); otherwise JMH options JMH knows, and each filter matches a benchmark of the
 *       module's sources;
 *   <li>{@code java -cp benchmarks/target/benchmarks.jar CLASS}: CLASS has a {@code main};
 *   <li>{@code ./mvnw ...}: each {@code -P} profile and {@code -pl} module exists;
 *   <li>{@code jmap OPTION <pid>}: the JDK running the test has jmap.
 * </ul>
 *
 * A word in brackets ({@code [trials]}) or angle brackets ({@code <pid>}) is a placeholder; {@code
 * for V in A B; do COMMAND; done} is checked for each value; {@code sudo} and a trailing {@code &}
 * are set aside.
 */
final class StaticCommandCheck {

  private static final Path ROOT = DocExamples.ROOT;
  private static final Path BENCH_SOURCES =
      ROOT.resolve("benchmarks/src/main/java/io/github/vmbackdoor/bench");
  private static final String BENCH_JAR = "benchmarks/target/benchmarks.jar";
  private static final String PLACEHOLDER = "\u0000placeholder";
  private static final Pattern FOR = Pattern.compile("^for (\\w+) in ([^;]+); do (.+?);? done$");
  private static final Pattern ENV = Pattern.compile("^[A-Z_][A-Z0-9_]*=.*");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+");

  /** JMH 1.37's options that take a value. */
  private static final Set<String> JMH_VALUED =
      Set.of(
          "-f",
          "-wi",
          "-i",
          "-w",
          "-r",
          "-t",
          "-prof",
          "-rf",
          "-rff",
          "-bm",
          "-tu",
          "-jvmArgs",
          "-jvmArgsAppend",
          "-jvmArgsPrepend",
          "-p",
          "-e",
          "-o",
          "-foe",
          "-gc",
          "-si",
          "-bs",
          "-wbs",
          "-to",
          "-tg",
          "-opi",
          "-wf",
          "-wm",
          "-wmb",
          "-jvm",
          "-v");

  /** JMH 1.37's options without a value. */
  private static final Set<String> JMH_FLAGS = Set.of("-l", "-lp", "-lprof", "-lrf", "-h");

  private StaticCommandCheck() {}

  /** What was checked, one line per command; throws with every problem found. */
  static List<String> check(String script) throws IOException, InterruptedException {
    List<String> checked = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String line : logicalLines(script)) {
      for (String command : expandLoop(line)) {
        List<String> words = words(command);
        if (words.isEmpty()) {
          continue;
        }
        String problem = checkCommand(words);
        if (problem == null) {
          checked.add(command);
        } else {
          problems.add(command + ": " + problem);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("commands that do not hold: " + String.join("; ", problems));
    }
    if (checked.isEmpty()) {
      throw new AssertionError("no command to check in " + script);
    }
    return checked;
  }

  /**
   * The output shown of {@code ./mvnw dependency:tree}, against the build: each module of the
   * project depends on the next level as shown ({@code (optional)} where its pom says so), the
   * project's version is the parent pom's, and each other artifact's jar, at the version shown, is
   * on this test's class path (which the build resolved).
   */
  static List<String> checkDependencyTree(List<String> output) throws IOException {
    Pattern line =
        Pattern.compile(
            "^([\\s|+\\\\-]*)([\\w.-]+):([\\w.-]+):jar:([\\w.-]+)(?::(\\w+))?( \\(optional\\))?$");
    String project = "io.github.vmbackdoor";
    List<String> checked = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Map<Integer, String> parents = new HashMap<>();
    String classPath = System.getProperty("java.class.path");
    for (String shown : output) {
      Matcher m = line.matcher(shown.stripTrailing());
      if (!m.matches()) {
        problems.add("not a dependency line: " + shown);
        continue;
      }
      int depth = m.group(1).length() / 3;
      String artifact = m.group(3);
      String version = m.group(4);
      parents.put(depth, artifact);
      if (m.group(2).equals(project)) {
        if (!Files.readString(ROOT.resolve("pom.xml"))
            .contains("<version>" + version + "</version>")) {
          problems.add(artifact + " is not at version " + version);
        }
      } else if (!classPath.contains("/" + artifact + "-" + version + ".jar")) {
        problems.add(artifact + "-" + version + ".jar is not what the build resolved");
      }
      if (depth > 0) {
        String parent = parents.get(depth - 1);
        Path pom = ROOT.resolve(parent).resolve("pom.xml");
        if (!Files.isRegularFile(pom)) {
          problems.add(parent + " is not a module of the project");
          continue;
        }
        String dependency = dependencyBlock(Files.readString(pom), artifact);
        if (dependency == null || dependency.contains("<scope>test</scope>")) {
          problems.add(parent + "'s pom does not depend on " + artifact);
        } else if (dependency.contains("<optional>true</optional>") != (m.group(6) != null)) {
          problems.add(artifact + " is shown " + (m.group(6) != null ? "" : "not ") + "optional");
        }
      }
      checked.add(m.group(2) + ":" + artifact + ":" + version);
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("the tree shown does not hold: " + String.join("; ", problems));
    }
    return checked;
  }

  private static String dependencyBlock(String pom, String artifact) {
    Matcher d = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(pom);
    while (d.find()) {
      if (d.group(1).contains("<artifactId>" + artifact + "</artifactId>")) {
        return d.group(1);
      }
    }
    return null;
  }

  /** The script's lines, continuation lines joined, comments, {@code sudo} and {@code &} cut. */
  static List<String> logicalLines(String script) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : script.split("\n")) {
      String line = raw;
      int comment = commentStart(line);
      if (comment >= 0) {
        line = line.substring(0, comment);
      }
      line = line.strip();
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String whole = current.toString().strip();
      current.setLength(0);
      if (whole.endsWith("&")) {
        whole = whole.substring(0, whole.length() - 1).strip();
      }
      if (whole.startsWith("sudo ")) {
        whole = whole.substring("sudo ".length());
      }
      if (!whole.isEmpty()) {
        lines.add(whole);
      }
    }
    return lines;
  }

  /** Where a shell comment starts ({@code #} after a blank, outside quotes), or -1. */
  private static int commentStart(String line) {
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> expandLoop(String line) {
    Matcher m = FOR.matcher(line);
    if (!m.matches()) {
      return List.of(line);
    }
    List<String> commands = new ArrayList<>();
    for (String value : m.group(2).strip().split("\\s+")) {
      commands.add(
          m.group(3)
              .replace("${" + m.group(1) + "}", value)
              .replace("$" + m.group(1), value)
              .strip());
    }
    return commands;
  }

  private static List<String> words(String command) {
    String marked = command.replaceAll("\\[[^\\]]*\\]|<[a-z-]+>", PLACEHOLDER);
    return AdminDocExamplesTest.shellWords(marked);
  }

  private static String checkCommand(List<String> all) throws IOException, InterruptedException {
    List<String> env = new ArrayList<>();
    int i = 0;
    while (i < all.size() && ENV.matcher(all.get(i)).matches()) {
      env.add(all.get(i).substring(0, all.get(i).indexOf('=')));
      i++;
    }
    List<String> words = all.subList(i, all.size());
    String program = words.get(0);
    List<String> args = words.subList(1, words.size());
    if (program.endsWith(".sh")) {
      return script(program, env, args);
    }
    if (!env.isEmpty()) {
      return "variables " + env + " before a command that is not a script of the checkout";
    }
    return switch (program) {
      case "java" -> java(args);
      case "./mvnw" -> maven(args);
      case "jmap" -> jmap(args);
      default -> "no static check for '" + program + "'";
    };
  }

  private static String script(String path, List<String> env, List<String> args)
      throws IOException, InterruptedException {
    Path script = ROOT.resolve(path);
    if (!Files.isRegularFile(script) || !Files.isExecutable(script)) {
      return path + " is not an executable file of the checkout";
    }
    Process bash =
        new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
    String said = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!bash.waitFor(60, TimeUnit.SECONDS) || bash.exitValue() != 0) {
      return "bash -n " + path + ": " + said.strip();
    }
    String own = Files.readString(script);
    StringBuilder text = new StringBuilder(own);
    Matcher sourced = Pattern.compile("(?m)^\\. (\\S+)$").matcher(own);
    while (sourced.find()) {
      text.append(Files.readString(ROOT.resolve(sourced.group(1))));
    }
    for (String name : env) {
      if (!Pattern.compile("\\$\\{?" + name + "\\b").matcher(text).find()) {
        return path + " does not read " + name;
      }
    }
    int positional = 0;
    Matcher p = Pattern.compile("\\$\\{?([1-9])").matcher(own);
    while (p.find()) {
      positional = Math.max(positional, Integer.parseInt(p.group(1)));
    }
    if (args.size() > positional) {
      return path + " reads " + positional + " arguments, given " + args.size();
    }
    for (String arg : args) {
      if (!arg.equals(PLACEHOLDER)
          && !NUMBER.matcher(arg).matches()
          && !own.contains("= " + arg + " ]")) {
        return path + " has no '" + arg + "' (a number or a word it compares its argument to)";
      }
    }
    return null;
  }

  private static String java(List<String> args) throws IOException {
    int i = 0;
    while (i < args.size() && args.get(i).matches("-X\\S+|-D\\S+")) {
      i++;
    }
    if (i + 1 >= args.size()) {
      return "no -jar or -cp";
    }
    String how = args.get(i);
    String jar = args.get(i + 1);
    if (!jar.equals(BENCH_JAR)) {
      return "not the benchmarks jar (" + BENCH_JAR + ")";
    }
    List<String> rest = args.subList(i + 2, args.size());
    if (how.equals("-cp")) {
      if (rest.isEmpty()) {
        return "no main class";
      }
      Path source = sourceOf(rest.get(0));
      return source != null && Files.readString(source).contains("public static void main(")
          ? null
          : rest.get(0) + " has no main in the benchmarks module";
    }
    if (!how.equals("-jar")) {
      return "neither -jar nor -cp: " + how;
    }
    String main = Files.readString(BENCH_SOURCES.resolve("Main.java"));
    Map<String, String> tools = new HashMap<>();
    Matcher tool = Pattern.compile("case \"([a-z-]+)\":\\s*(\\w+)\\.main").matcher(main);
    while (tool.find()) {
      tools.put(tool.group(1), tool.group(2));
    }
    if (!rest.isEmpty() && tools.containsKey(rest.get(0))) {
      return toolArguments(tools.get(rest.get(0)), rest.subList(1, rest.size()));
    }
    if (!rest.isEmpty() && rest.get(0).equals("wire-ratio")) {
      if (!main.contains("case \"wire-ratio\":")) {
        return "the benchmarks jar has no wire-ratio";
      }
      return jmh(rest.subList(1, rest.size()), false);
    }
    return jmh(rest, true);
  }

  /** A tool's arguments against its main: how many it reads, which it parses as numbers. */
  private static String toolArguments(String className, List<String> args) throws IOException {
    String source = Files.readString(BENCH_SOURCES.resolve(className + ".java"));
    Map<Integer, Boolean> numeric = new TreeMap<>();
    Matcher read =
        Pattern.compile("args\\.length > (\\d+) \\? (\\w+\\.parse\\w+\\()?args\\[").matcher(source);
    while (read.find()) {
      numeric.put(Integer.parseInt(read.group(1)), read.group(2) != null);
    }
    if (args.size() > numeric.size()) {
      return className + " reads " + numeric.size() + " arguments, given " + args.size();
    }
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.equals(PLACEHOLDER) && numeric.get(i) && !NUMBER.matcher(arg).matches()) {
        return className + " reads argument " + (i + 1) + " as a number, given '" + arg + "'";
      }
    }
    return null;
  }

  /** JMH options JMH knows; each filter (a regex, as JMH reads it) matches a benchmark. */
  private static String jmh(List<String> args, boolean filters) throws IOException {
    List<String> benchmarks = benchmarkNames();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals(PLACEHOLDER) || JMH_FLAGS.contains(arg)) {
        continue;
      }
      if (JMH_VALUED.contains(arg)) {
        if (++i >= args.size()) {
          return "JMH option " + arg + " without its value";
        }
        continue;
      }
      if (arg.startsWith("-")) {
        return "not a JMH option this check knows: " + arg;
      }
      if (!filters) {
        return "wire-ratio takes JMH options, not a filter: " + arg;
      }
      Pattern filter = Pattern.compile(arg);
      if (benchmarks.stream().noneMatch(b -> filter.matcher(b).find())) {
        return "the filter '" + arg + "' matches no benchmark of " + benchmarks;
      }
    }
    return null;
  }

  /** The benchmarks' names as JMH gives them: package.Class.method of each @Benchmark. */
  static List<String> benchmarkNames() throws IOException {
    List<String> names = new ArrayList<>();
    Pattern method =
        Pattern.compile("@Benchmark\\s*\\n(?:\\s*@.*\\n|\\s*//.*\\n)*\\s*public \\S+ (\\w+)\\(");
    try (Stream<Path> files = Files.list(BENCH_SOURCES)) {
      for (Path f : files.sorted().toList()) {
        String source = Files.readString(f);
        String className = f.getFileName().toString().replace(".java", "");
        Matcher m = method.matcher(source);
        while (m.find()) {
          names.add("io.github.vmbackdoor.bench." + className + "." + m.group(1));
        }
      }
    }
    return names;
  }

  private static Path sourceOf(String className) {
    String prefix = "io.github.vmbackdoor.bench.";
    if (!className.startsWith(prefix)) {
      return null;
    }
    Path source = BENCH_SOURCES.resolve(className.substring(prefix.length()) + ".java");
    return Files.isRegularFile(source) ? source : null;
  }

  private static String maven(List<String> args) throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.startsWith("-P")) {
        for (String profile : arg.substring(2).split(",")) {
          if (!pom.contains("<id>" + profile + "</id>")) {
            return "pom.xml has no profile " + profile;
          }
        }
      } else if (arg.equals("-pl") && i + 1 < args.size()) {
        for (String module : args.get(++i).split(",")) {
          if (!Files.isRegularFile(ROOT.resolve(module).resolve("pom.xml"))) {
            return "no module " + module;
          }
        }
      }
    }
    return null;
  }

  private static String jmap(List<String> args) {
    Path jmap = Path.of(System.getProperty("java.home"), "bin", "jmap");
    if (!Files.isExecutable(jmap)) {
      return "the JDK (" + System.getProperty("java.home") + ") has no jmap";
    }
    if (args.size() != 2 || !args.get(0).startsWith("-histo") || !args.get(1).equals(PLACEHOLDER)) {
      return "not jmap -histo[:live] <pid>";
    }
    return null;
  }
}
