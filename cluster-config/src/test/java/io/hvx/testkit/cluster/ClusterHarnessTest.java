package io.hvx.testkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.Test;

class ClusterHarnessTest {

  @Test
  void three_nodes_form_one_cluster() {
    try (ClusterHarness cluster = ClusterHarness.start(3)) {
      cluster.awaitAllUp(Duration.ofSeconds(30));
      for (int observer = 0; observer < 3; observer++) {
        for (int subject = 0; subject < 3; subject++) {
          assertEquals(MemberStatus.up(), cluster.status(observer, subject));
        }
      }
    }
  }

  @Test
  void a_crashed_node_is_removed_by_the_split_brain_resolver_within_the_documented_bound() {
    try (ClusterHarness cluster = ClusterHarness.start(3)) {
      cluster.awaitAllUp(Duration.ofSeconds(30));
      long crashedAt = System.nanoTime();
      cluster.crash(2);
      cluster.awaitRemoved(0, 2, ClusterHarness.REMOVAL_BOUND);
      cluster.awaitRemoved(1, 2, ClusterHarness.REMOVAL_BOUND);
      long millis = (System.nanoTime() - crashedAt) / 1_000_000;
      System.out.println("crash to removal: " + millis + " ms");
      assertEquals(MemberStatus.up(), cluster.status(0, 1));
      assertEquals(MemberStatus.up(), cluster.status(1, 0));
    }
  }

  @Test
  void a_partition_resolves_to_the_majority_side_and_the_minority_shuts_down() {
    try (ClusterHarness cluster = ClusterHarness.start(3)) {
      cluster.awaitAllUp(Duration.ofSeconds(30));
      cluster.partition(new int[] {0, 1}, new int[] {2});
      cluster.awaitRemoved(0, 2, ClusterHarness.REMOVAL_BOUND);
      cluster.awaitRemoved(1, 2, ClusterHarness.REMOVAL_BOUND);
      cluster.awaitTerminated(2, ClusterHarness.REMOVAL_BOUND);
      assertTrue(cluster.isTerminated(2));
      assertFalse(cluster.isTerminated(0));
      assertFalse(cluster.isTerminated(1));
      assertEquals(MemberStatus.up(), cluster.status(0, 1));
    }
  }
}
