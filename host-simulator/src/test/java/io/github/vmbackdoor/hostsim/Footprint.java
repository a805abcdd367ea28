package io.github.vmbackdoor.hostsim;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The objects reachable from some roots, and what they would weigh, for tests that check what a VM
 * holds. Fields are followed in this project's classes (lambdas included) and in arrays of
 * references; objects of other classes (the JDK's, Guava's) are counted but not entered, and the
 * walk stops at objects {@code stop} matches. Sizes follow HotSpot's layout with compressed
 * references (a 12-byte header, 16 for an array; 4-byte references; 8-byte alignment), whatever the
 * JVM running the test uses, so they do not depend on the JVM's options.
 */
final class Footprint {

  private static final String OURS = "io.github.vmbackdoor.";

  private final Set<Object> objects = Collections.newSetFromMap(new IdentityHashMap<>());

  private Footprint() {}

  /** Everything reachable from {@code roots}, not entering what {@code stop} matches. */
  static Footprint of(Predicate<Object> stop, Object... roots) {
    Footprint f = new Footprint();
    Deque<Object> todo = new ArrayDeque<>(List.of(roots));
    while (!todo.isEmpty()) {
      Object o = todo.pop();
      if (stop.test(o) || o instanceof Class || !f.objects.add(o)) {
        continue;
      }
      for (Object next : references(o)) {
        todo.push(next);
      }
    }
    return f;
  }

  /** The objects of this footprint that {@code other} does not reach. */
  List<Object> without(Footprint other) {
    List<Object> own = new ArrayList<>();
    for (Object o : objects) {
      if (!other.objects.contains(o)) {
        own.add(o);
      }
    }
    return own;
  }

  /** The estimated size of {@code objects}, in bytes. */
  static long bytes(List<Object> objects) {
    return objects.stream().mapToLong(Footprint::size).sum();
  }

  /** One line per object: its estimated size and class, largest first, then by class. */
  static String describe(List<Object> objects) {
    StringBuilder b = new StringBuilder();
    objects.stream()
        .sorted(
            Comparator.comparingLong((Object o) -> -size(o))
                .thenComparing(o -> o.getClass().getName()))
        .forEach(o -> b.append(size(o)).append(' ').append(o.getClass().getName()).append('\n'));
    return b.toString();
  }

  /** Whether {@code o} is of one of this project's classes (or an array of them). */
  static boolean ours(Object o) {
    Class<?> c = o.getClass();
    while (c.isArray()) {
      c = c.getComponentType();
    }
    return c.getName().startsWith(OURS);
  }

  private static List<Object> references(Object o) {
    List<Object> refs = new ArrayList<>();
    Class<?> c = o.getClass();
    if (c.isArray()) {
      if (!c.getComponentType().isPrimitive()) {
        for (int i = 0; i < Array.getLength(o); i++) {
          addIfPresent(refs, Array.get(o, i));
        }
      }
      return refs;
    }
    if (!ours(o)) {
      return refs;
    }
    // The fields of this project's classes only (an enum's own fields, not java.lang.Enum's).
    for (; c != null && c.getName().startsWith(OURS); c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
          f.setAccessible(true);
          try {
            addIfPresent(refs, f.get(o));
          } catch (IllegalAccessException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return refs;
  }

  private static void addIfPresent(List<Object> refs, Object o) {
    if (o != null) {
      refs.add(o);
    }
  }

  /** The estimated size of one object. */
  static long size(Object o) {
    Class<?> c = o.getClass();
    if (c.isArray()) {
      return align(16L + (long) Array.getLength(o) * width(c.getComponentType()));
    }
    long bytes = 12;
    for (; c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          bytes += width(f.getType());
        }
      }
    }
    return align(bytes);
  }

  private static long width(Class<?> type) {
    if (type == long.class || type == double.class) {
      return 8;
    }
    if (type == byte.class || type == boolean.class) {
      return 1;
    }
    if (type == short.class || type == char.class) {
      return 2;
    }
    return 4;
  }

  private static long align(long bytes) {
    return (bytes + 7) & ~7L;
  }
}
