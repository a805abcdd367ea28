package io.github.vmbackdoor.hostsim.admin;

import com.google.common.base.Splitter;
import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.hostsim.RpciJournal;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** The admin API's routes: method and path template to what each does (docs/admin-api.md). */
final class AdminRoutes {

  /** How long {@code take} waits when the request names no timeout. */
  static final Duration DEFAULT_TAKE_TIMEOUT = Duration.ofSeconds(10);

  /** The longest {@code take} waits. */
  static final Duration MAX_TAKE_TIMEOUT = Duration.ofMinutes(10);

  /** Most host events in one request (all run under the VM's lock, with no guest call between). */
  static final int MAX_EVENTS = 1_000;

  /** What a route answers: a status and a body Jackson writes. */
  record Reply(HttpResponseStatus status, Object body) {
    static CompletionStage<Reply> ok(Object body) {
      return CompletableFuture.completedFuture(new Reply(HttpResponseStatus.OK, body));
    }
  }

  /** One request as a route sees it. */
  record Exchange(
      Map<String, String> path, QueryStringDecoder query, String body, EventExecutor executor) {
    String param(String name) {
      List<String> values = query.parameters().get(name);
      return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }
  }

  @FunctionalInterface
  interface Action {
    CompletionStage<Reply> handle(Exchange x);
  }

  /**
   * One route: its method, its path template ({@code /vms/{vm}/events}; a {@code {name}} segment
   * matches any one segment), and its action.
   */
  record Route(HttpMethod method, String template, Action action) {
    /** The path's variables when it matches the template, else empty. */
    Optional<Map<String, String>> match(List<String> segments) {
      List<String> parts = Splitter.on('/').omitEmptyStrings().splitToList(template);
      if (parts.size() != segments.size()) {
        return Optional.empty();
      }
      ImmutableMap.Builder<String, String> vars = ImmutableMap.builder();
      for (int i = 0; i < parts.size(); i++) {
        String p = parts.get(i);
        if (p.startsWith("{")) {
          vars.put(p.substring(1, p.length() - 1), segments.get(i));
        } else if (!p.equals(segments.get(i))) {
          return Optional.empty();
        }
      }
      return Optional.of(vars.buildOrThrow());
    }
  }

  private final ImmutableMap<String, ServedVm> vms;
  private final Timelines timelines;
  private final ImmutableList<Route> routes;

  AdminRoutes(ImmutableMap<String, ServedVm> vms, Ticker ticker, Scheduler timeline) {
    this.vms = vms;
    this.timelines = new Timelines(ticker, timeline);
    this.routes =
        ImmutableList.of(
            new Route(
                HttpMethod.GET,
                "/vms",
                x -> Reply.ok(vms.values().stream().map(Views.Vm::of).toList())),
            new Route(HttpMethod.GET, "/vms/{vm}", x -> Reply.ok(Views.Vm.of(vm(x)))),
            new Route(HttpMethod.POST, "/vms/{vm}/events", this::events),
            new Route(
                HttpMethod.GET,
                "/vms/{vm}/guestinfo",
                x -> Reply.ok(vm(x).host().records().guestInfo())),
            new Route(
                HttpMethod.GET, "/vms/{vm}/guest", x -> Reply.ok(vm(x).host().records().guest())),
            new Route(HttpMethod.GET, "/vms/{vm}/guestinfo/{key}", this::getGuestInfo),
            new Route(HttpMethod.PUT, "/vms/{vm}/guestinfo/{key}", this::putGuestInfo),
            new Route(
                HttpMethod.GET,
                "/vms/{vm}/calls",
                x -> Reply.ok(Views.Calls.since(vm(x).host(), since(x)))),
            new Route(
                HttpMethod.GET,
                "/vms/{vm}/rpci",
                x -> Reply.ok(Views.RpciList.since(vm(x).host(), since(x)))),
            new Route(HttpMethod.GET, "/vms/{vm}/rpci/take", this::take),
            new Route(HttpMethod.POST, "/vms/{vm}/reset", this::reset),
            new Route(HttpMethod.POST, "/vms/{vm}/scenario", this::scenario),
            new Route(
                HttpMethod.GET,
                "/vms/{vm}/scenarios",
                x -> {
                  ServedVm vm = vm(x);
                  return Reply.ok(
                      new Views.Timelines(
                          vm.name(),
                          timelines.playing(vm).stream().map(Timelines.Played::view).toList()));
                }),
            new Route(
                HttpMethod.DELETE,
                "/vms/{vm}/scenarios",
                x -> {
                  ServedVm vm = vm(x);
                  return Reply.ok(new Views.Stopped(vm.name(), timelines.stopAll(vm)));
                }),
            new Route(HttpMethod.DELETE, "/vms/{vm}/scenarios/{id}", this::stopTimeline));
  }

  private CompletionStage<Reply> stopTimeline(Exchange x) {
    ServedVm vm = vm(x);
    String text = x.path().get("id");
    long id;
    try {
      id = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw AdminException.badRequest("a timeline's id is a number, not '" + text + "'");
    }
    if (!timelines.stop(vm, id)) {
      throw AdminException.notFound("VM " + vm.name() + " plays no timeline " + id);
    }
    return Reply.ok(new Views.Stopped(vm.name(), List.of(id)));
  }

  ImmutableList<Route> routes() {
    return routes;
  }

  private ServedVm vm(Exchange x) {
    String name = x.path().get("vm");
    ServedVm vm = vms.get(name);
    if (vm == null) {
      throw AdminException.notFound(
          "no VM named \"" + name + "\" (served: " + String.join(", ", vms.keySet()) + ")");
    }
    return vm;
  }

  private static long since(Exchange x) {
    String text = x.param("since");
    if (text == null) {
      return 0;
    }
    try {
      long since = Long.parseLong(text);
      if (since >= 0) {
        return since;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw AdminException.badRequest("since is a count of 0 or more, not '" + text + "'");
  }

  private CompletionStage<Reply> events(Exchange x) {
    ServedVm vm = vm(x);
    List<HostEvent> events = new ArrayList<>();
    List<String> lines = x.body().lines().toList();
    for (int i = 0; i < lines.size() && events.size() <= MAX_EVENTS; i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        events.add(HostEvent.parse(line));
      } catch (IllegalArgumentException e) {
        throw AdminException.badRequest(
            (lines.size() > 1 ? "line " + (i + 1) + ": " : "") + e.getMessage());
      }
    }
    if (events.isEmpty()) {
      throw AdminException.badRequest(
          "the body holds no host event (one a line, as in a scenario file: 'checkpoint')");
    }
    if (events.size() > MAX_EVENTS) {
      throw AdminException.badRequest(
          events.size() + " host events; one request holds at most " + MAX_EVENTS);
    }
    vm.apply(events);
    return Reply.ok(new Views.Applied(vm.name(), events.stream().map(HostEvent::text).toList()));
  }

  private static String guestInfoKey(Exchange x) {
    String key = x.path().get("key");
    return key.startsWith("guestinfo.") ? key : "guestinfo." + key;
  }

  private CompletionStage<Reply> getGuestInfo(Exchange x) {
    ServedVm vm = vm(x);
    String key = guestInfoKey(x);
    String value = vm.host().records().guestInfo().get(key);
    if (value == null) {
      throw AdminException.notFound("VM " + vm.name() + " has no " + key);
    }
    return Reply.ok(new Views.GuestInfo(key, value));
  }

  private CompletionStage<Reply> putGuestInfo(Exchange x) {
    ServedVm vm = vm(x);
    String key = guestInfoKey(x);
    vm.host().putGuestInfo(key, x.body());
    return Reply.ok(new Views.GuestInfo(key, x.body()));
  }

  private CompletionStage<Reply> reset(Exchange x) {
    ServedVm vm = vm(x);
    List<HostSetting.Assignment> settings = new ArrayList<>();
    List<String> lines = x.body().lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        settings.add(HostSetting.Assignment.parse(line));
      } catch (IllegalArgumentException e) {
        throw AdminException.badRequest(
            (lines.size() > 1 ? "line " + (i + 1) + ": " : "") + e.getMessage());
      }
    }
    timelines.stopAll(vm);
    if (settings.isEmpty()) {
      vm.reset();
    } else {
      List<HostSetting.Assignment> given = List.copyOf(settings);
      vm.reset(
          base -> {
            HostSettings changed = base;
            for (HostSetting.Assignment a : given) {
              changed = a.applyTo(changed);
            }
            return changed;
          });
    }
    return Reply.ok(new Views.Reset(vm.name(), vm.host().uuid().toString()));
  }

  private CompletionStage<Reply> scenario(Exchange x) {
    ServedVm vm = vm(x);
    Scenario scenario;
    try {
      scenario = Scenario.parse(x.body());
    } catch (IllegalArgumentException e) {
      throw AdminException.badRequest(e.getMessage());
    }
    long count = 0;
    for (ScenarioEvent e : scenario.events()) {
      count += e.count(scenario.length());
    }
    Timelines.Played played = timelines.play(vm, scenario);
    return Reply.ok(
        new Views.Scheduled(
            vm.name(), played.id, scenario.name(), count, Durations.format(scenario.length())));
  }

  /** Takes the next RPCI request not taken yet, waiting for one up to the timeout. */
  private CompletionStage<Reply> take(Exchange x) {
    ServedVm vm = vm(x);
    String text = x.param("timeout");
    Duration timeout;
    try {
      timeout = text == null ? DEFAULT_TAKE_TIMEOUT : Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw AdminException.badRequest("timeout: " + e.getMessage());
    }
    if (timeout.compareTo(MAX_TAKE_TIMEOUT) > 0 || timeout.isNegative()) {
      throw AdminException.badRequest(
          "timeout: at most " + Durations.format(MAX_TAKE_TIMEOUT) + ", not " + text);
    }
    RpciJournal journal = vm.life().rpci;
    EventExecutor executor = x.executor();
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    // The waiting take holds no thread: the journal wakes it when a request comes, the executor
    // ends it at the deadline; both run on the connection's executor, one at a time.
    Runnable[] forget = {() -> {}};
    Future<?> expiry =
        executor.schedule(
            () ->
                reply.completeExceptionally(
                    new AdminException(
                        HttpResponseStatus.REQUEST_TIMEOUT,
                        "no RPCI request reached VM "
                            + vm.name()
                            + " within "
                            + Durations.format(timeout))),
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
    reply.whenComplete(
        (r, e) -> {
          expiry.cancel(false);
          forget[0].run();
        });
    takeOrWait(journal, executor, reply, forget);
    return reply;
  }

  /**
   * Completes {@code reply} with the next request not taken yet, or has the journal call again when
   * one comes (keeping in {@code forget} what undoes that). Runs on {@code executor}.
   */
  private static void takeOrWait(
      RpciJournal journal,
      EventExecutor executor,
      CompletableFuture<Reply> reply,
      Runnable[] forget) {
    if (reply.isDone()) {
      return; // the client went away, or the time is up
    }
    Optional<RpciJournal.Entry> taken = journal.takeNow();
    if (taken.isPresent()) {
      RpciJournal.Entry e = taken.get();
      reply.complete(new Reply(HttpResponseStatus.OK, Views.Rpci.of(e.number(), e.request())));
    } else {
      forget[0] =
          journal.onNext(
              () -> executor.execute(() -> takeOrWait(journal, executor, reply, forget)));
    }
  }
}
