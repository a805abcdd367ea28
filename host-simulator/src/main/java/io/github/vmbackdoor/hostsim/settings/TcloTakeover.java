package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import java.util.List;

/**
 * Which TCLO channel of an application loses when a second one claims the application: the host
 * talks to one TCLO channel per application, and learns a channel's application from its reply to
 * "reset" ({@code OK ATR toolbox-dnd}). When that reply names an application that already has a
 * live channel, either the older channel is made unusable and the newer one serves the application
 * ({@link DisplaceOlder}, the default, as {@link Invalidation#HOST_CLOSED}), or the newer one is
 * refused and the older one keeps serving it ({@link RefuseNewer}). Each variant carries its own
 * behaviour in {@link #settle(Contest)}; docs/host-model.md §4.1 gives the sources for each.
 *
 * <p>Written in the text forms ({@code host tcloTakeover ...}, {@code vm.<vm>.tcloTakeover=...}) as
 * {@code host-closed}, {@code cookies-invalid} or {@code refuse-newer}.
 */
public sealed interface TcloTakeover permits TcloTakeover.DisplaceOlder, TcloTakeover.RefuseNewer {

  /** The host's default: the older channel is closed host-side and the newer one takes over. */
  TcloTakeover DEFAULT = new DisplaceOlder(Invalidation.HOST_CLOSED);

  /** The words of the text forms, in their documented order. */
  List<String> KEYWORDS =
      List.of(
          KebabCase.of(Invalidation.HOST_CLOSED),
          KebabCase.of(Invalidation.COOKIES_INVALID),
          RefuseNewer.KEYWORD);

  /** The older channel is made unusable as {@code kind} says; the newer one takes over. */
  static TcloTakeover displaceOlder(Invalidation kind) {
    return new DisplaceOlder(kind);
  }

  /** The newer channel is refused; the older one keeps the application. */
  static TcloTakeover refuseNewer() {
    return new RefuseNewer();
  }

  /**
   * The takeover a word names: one of {@link #KEYWORDS}, in any case and with '-' or '_' between
   * words ({@code host-closed}, {@code COOKIES_INVALID}, {@code refuse_newer}).
   *
   * @throws IllegalArgumentException naming the allowed words when none matches
   */
  static TcloTakeover parse(String word) {
    String wanted = KebabCase.of(word);
    for (Invalidation kind : Invalidation.values()) {
      if (KebabCase.of(kind).equals(wanted)) {
        return new DisplaceOlder(kind);
      }
    }
    if (wanted.equals(RefuseNewer.KEYWORD)) {
      return new RefuseNewer();
    }
    throw new IllegalArgumentException(
        "'" + word + "' is not one of " + String.join(", ", KEYWORDS));
  }

  /** The word of the text forms: one of {@link #KEYWORDS}. */
  String keyword();

  /** Decides the contest between an application's live channel and a newer one claiming it. */
  void settle(Contest contest);

  /**
   * An application's live TCLO channel and a newer channel whose reset reply claims the same
   * application, as a {@link TcloTakeover} settles them: it calls exactly one of the two methods.
   */
  interface Contest {
    /**
     * The older channel is made unusable as {@code kind} says; the newer one serves the application
     * from now on. The reply that claimed it is accepted.
     */
    void displaceOlder(Invalidation kind);

    /**
     * The reply that claimed the application is refused (the call that completes it answers without
     * SUCCESS) and the newer channel is closed host-side; the older one is untouched.
     */
    void refuseNewer();
  }

  /**
   * The newer channel takes over; the older one is made unusable as {@code kind} says.
   *
   * @param kind how the older channel is made unusable
   */
  record DisplaceOlder(Invalidation kind) implements TcloTakeover {
    /** Checks the kind. */
    public DisplaceOlder {
      Preconditions.checkNotNull(kind, "kind");
    }

    @Override
    public String keyword() {
      return KebabCase.of(kind);
    }

    @Override
    public void settle(Contest contest) {
      contest.displaceOlder(kind);
    }
  }

  /** The newer channel is refused; the older one keeps the application. */
  record RefuseNewer() implements TcloTakeover {
    private static final String KEYWORD = "refuse-newer";

    @Override
    public String keyword() {
      return KEYWORD;
    }

    @Override
    public void settle(Contest contest) {
      contest.refuseNewer();
    }
  }
}
