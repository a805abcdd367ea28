package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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

  @Test
  void anEmptyQueuePollsNull() {
    EventQueue<String> queue = new EventQueue<>();
    assertThat(queue.poll()).isNull();
    queue.add(5, 0, "a");
    assertThat(queue.poll()).isEqualTo("a");
    assertThat(queue.isEmpty()).isTrue();
  }
}
