package io.github.vmbackdoor.hostsim.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventQueueTest {

  private record Item(long due, long seq) {}

  @Test
  void pollsByDueTimeThenBySequenceWhateverTheOrderOfAdding() {
    SplittableRandom random = new SplittableRandom(7);
    EventQueue<Item> queue = new EventQueue<>();
    List<Item> expected = new ArrayList<>();
    long seq = 0;
    List<Item> polled = new ArrayList<>();
    for (int round = 0; round < 50; round++) {
      for (int i = 0; i < random.nextInt(200); i++) {
        // Few distinct due times, so many ties are broken by the sequence number.
        Item item = new Item(random.nextLong(20), seq++);
        queue.add(item.due(), item.seq(), item);
        expected.add(item);
      }
      for (int i = 0; i < random.nextInt(150) && !queue.isEmpty(); i++) {
        long headDue = queue.headDue();
        Item head = queue.poll();
        assertThat(head.due()).isEqualTo(headDue);
        Item smallest =
            expected.stream()
                .min(Comparator.comparingLong(Item::due).thenComparingLong(Item::seq))
                .orElseThrow();
        assertThat(head).isEqualTo(smallest);
        expected.remove(smallest);
        polled.add(head);
      }
      assertThat(queue.size()).isEqualTo(expected.size());
    }
    assertThat(polled).isNotEmpty();
  }

  private record Keyed(long order, long due, long seq) {}

  /**
   * With an order key in front, and items often added ahead of everything (the slot in front of the
   * heap), polls still come in (order, due, sequence) order.
   */
  @Test
  void pollsByOrderKeyThenDueTimeThenSequenceWithTheFrontSlot() {
    SplittableRandom random = new SplittableRandom(11);
    EventQueue<Keyed> queue = new EventQueue<>();
    List<Keyed> expected = new ArrayList<>();
    Comparator<Keyed> byKeys =
        Comparator.comparingLong(Keyed::order)
            .thenComparingLong(Keyed::due)
            .thenComparingLong(Keyed::seq);
    long seq = 0;
    int polled = 0;
    for (int round = 0; round < 2000; round++) {
      int adds = random.nextInt(4);
      for (int i = 0; i < adds; i++) {
        Keyed item;
        if (!expected.isEmpty() && random.nextBoolean()) {
          // Ahead of everything queued, as a lane's next tick is.
          Keyed head = expected.stream().min(byKeys).orElseThrow();
          item = new Keyed(head.order(), head.due() - random.nextInt(3), seq++);
        } else {
          item = new Keyed(random.nextLong(4), random.nextLong(20), seq++);
        }
        queue.add(item.order(), item.due(), item.seq(), item);
        expected.add(item);
      }
      int polls = random.nextInt(4);
      for (int i = 0; i < polls && !queue.isEmpty(); i++) {
        Keyed smallest = expected.stream().min(byKeys).orElseThrow();
        assertThat(queue.headOrder()).isEqualTo(smallest.order());
        assertThat(queue.headDue()).isEqualTo(smallest.due());
        assertThat(queue.headSequence()).isEqualTo(smallest.seq());
        assertThat(queue.poll()).isEqualTo(smallest);
        expected.remove(smallest);
        polled++;
      }
      assertThat(queue.size()).isEqualTo(expected.size());
    }
    assertThat(polled).isGreaterThan(1000);
  }

  /**
   * As lanes run a fleet: each item taken is queued again for the next window (after everything
   * queued, so at the run's end), some items get an extra one at a random later window (into the
   * heap), and the run wraps around its ring and grows; polls still come in (order, due, sequence)
   * order.
   */
  @Test
  void pollsInOrderWhenMostItemsComeInOrderAndSomeAtRandom() {
    SplittableRandom random = new SplittableRandom(13);
    EventQueue<Keyed> queue = new EventQueue<>();
    PriorityQueue<Keyed> expected = sortedModel();
    long seq = 0;
    int lanes = 40;
    for (int lane = 1; lane <= lanes; lane++) {
      Keyed item = new Keyed(lane, random.nextLong(1000), seq++);
      queue.add(item.order(), item.due(), item.seq(), item);
      expected.add(item);
    }
    int polled = 0;
    for (int round = 0; round < 20_000; round++) {
      Keyed smallest = expected.poll();
      assertHeadKeys(queue, smallest);
      assertThat(queue.poll()).isEqualTo(smallest);
      polled++;
      List<Keyed> next = new ArrayList<>();
      if (smallest.due() >= 0) {
        // The lane's next window; some lanes add a second one now and then, as the fleet grows.
        next.add(new Keyed(smallest.order() + lanes, random.nextLong(1000), seq++));
        if (random.nextInt(50) == 0) {
          next.add(new Keyed(smallest.order() + lanes, random.nextLong(1000), seq++));
        }
      }
      if (random.nextInt(5) == 0) {
        // A host event some windows later: out of order, into the heap; it schedules nothing.
        next.add(
            new Keyed(
                smallest.order() + lanes * (1 + random.nextLong(5)),
                -1 - random.nextLong(9),
                seq++));
      }
      for (Keyed k : next) {
        queue.add(k.order(), k.due(), k.seq(), k);
        expected.add(k);
      }
      assertThat(queue.size()).isEqualTo(expected.size());
    }
    assertThat(polled).isEqualTo(20_000);
    assertThat(queue.size()).isGreaterThan(2 * lanes);
  }

  /**
   * With windows of eight order keys (a window in the high bits, a lane in the low ones): a fleet
   * of lanes whose next window is queued in order (the run), host events at random later windows
   * and events of the running window out of order (the heap), events ahead of the head (the front
   * slot), and the last window's events taken out and put back as a run that ends early does; polls
   * still come in (order, due, sequence) order, the heads' keys are the model's, and the size is.
   */
  @Test
  void pollsInOrderWithItemsOfLaterWindowsAtRandom() {
    SplittableRandom random = new SplittableRandom(17);
    int windowBits = 3;
    int lanes = (1 << windowBits) - 1;
    EventQueue<Keyed> queue = new EventQueue<>();
    PriorityQueue<Keyed> expected = sortedModel();
    long seq = 0;
    for (int lane = 1; lane <= lanes; lane++) {
      Keyed item = new Keyed(lane, random.nextLong(1000), seq++);
      queue.add(item.order(), item.due(), item.seq(), item);
      expected.add(item);
    }
    int polled = 0;
    int putBack = 0;
    for (int round = 0; round < 30_000; round++) {
      if (random.nextInt(500) == 0) {
        // A run's end: the head's window's events taken out and put back, in order.
        List<Keyed> aside = new ArrayList<>();
        long window = queue.headOrder() >> windowBits;
        while (!queue.isEmpty() && queue.headOrder() >> windowBits == window) {
          Keyed k = expected.poll();
          assertThat(queue.poll()).isEqualTo(k);
          aside.add(k);
        }
        for (Keyed k : aside) {
          queue.add(k.order(), k.due(), k.seq(), k);
          expected.add(k);
        }
        putBack += aside.size();
      }
      Keyed smallest = expected.poll();
      assertHeadKeys(queue, smallest);
      assertThat(queue.poll()).isEqualTo(smallest);
      polled++;
      long window = smallest.order() >> windowBits;
      long lane = smallest.order() & lanes;
      List<Keyed> next = new ArrayList<>();
      if (smallest.due() >= 0) {
        // A tick: the lane's next one, in this window (often) or the next.
        long w = random.nextInt(3) == 0 ? window : window + 1;
        long due = w == window ? smallest.due() + random.nextLong(5) : random.nextLong(1000);
        next.add(new Keyed(w << windowBits | lane, due, seq++));
      }
      int r = random.nextInt(10);
      if (r < 3) {
        // A host event some windows later, or in this one: it schedules nothing.
        long w = window + random.nextLong(8);
        next.add(new Keyed(w << windowBits | lane, -1 - random.nextLong(1000), seq++));
      } else if (r == 3) {
        // An event of another lane, of this window or the next.
        long w = window + random.nextInt(2);
        next.add(new Keyed(w << windowBits | (1 + random.nextInt(lanes)), -1, seq++));
      }
      for (Keyed k : next) {
        queue.add(k.order(), k.due(), k.seq(), k);
        expected.add(k);
      }
      assertThat(queue.size()).isEqualTo(expected.size());
    }
    assertThat(polled).isEqualTo(30_000);
    assertThat(putBack).isPositive();
    while (!expected.isEmpty()) {
      assertThat(queue.poll()).isEqualTo(expected.poll());
    }
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.poll()).isNull();
  }

  /**
   * Batches of every size up to a few hundred items queued between a head and a run's last item,
   * with ties on the order key and the due time, the queue emptied between them: each is taken in
   * (order, due, sequence) order.
   */
  @Test
  void takesBatchesOfAnySizeInOrder() {
    SplittableRandom random = new SplittableRandom(19);
    EventQueue<Keyed> queue = new EventQueue<>();
    long seq = 0;
    int round = 0;
    for (int n = 0; n < 300; n += 1 + n / 10) {
      round++;
      long window = 3L * round;
      // The head, and a run that ends after everything: the items between go to the heap.
      Keyed first = new Keyed(window << 4, 0, seq++);
      Keyed last = new Keyed(1_000_000L << 4, 0, seq++);
      List<Keyed> added = new ArrayList<>(List.of(first, last));
      for (int i = 0; i < n; i++) {
        // Descending sequence numbers with the same keys in front, so sorting has to reorder.
        long w = window + 1 + random.nextInt(2);
        Keyed k = new Keyed(w << 4 | random.nextInt(3), random.nextInt(4), 1_000_000 - seq++);
        added.add(k);
      }
      for (Keyed k : added) {
        queue.add(k.order(), k.due(), k.seq(), k);
      }
      assertThat(queue.size()).isEqualTo(n + 2);
      added.sort(
          Comparator.comparingLong(Keyed::order)
              .thenComparingLong(Keyed::due)
              .thenComparingLong(Keyed::seq));
      List<Keyed> polled = new ArrayList<>();
      while (!queue.isEmpty()) {
        assertThat(queue.headSequence()).isEqualTo(added.get(polled.size()).seq());
        polled.add(queue.poll());
      }
      assertThat(polled).isEqualTo(added);
    }
  }

  @Test
  void anEmptyQueuePollsNull() {
    EventQueue<String> queue = new EventQueue<>();
    assertThat(queue.poll()).isNull();
    queue.add(5, 0, "a");
    assertThat(queue.poll()).isEqualTo("a");
    assertThat(queue.isEmpty()).isTrue();
  }

  /** The model the queue is checked against: items in (order, due, sequence) order. */
  private static PriorityQueue<Keyed> sortedModel() {
    return new PriorityQueue<>(
        Comparator.comparingLong(Keyed::order)
            .thenComparingLong(Keyed::due)
            .thenComparingLong(Keyed::seq));
  }

  private static void assertHeadKeys(EventQueue<Keyed> queue, Keyed smallest) {
    assertThat(queue.headOrder()).isEqualTo(smallest.order());
    assertThat(queue.headDue()).isEqualTo(smallest.due());
    assertThat(queue.headSequence()).isEqualTo(smallest.seq());
  }
}
