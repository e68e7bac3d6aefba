@etcd
Feature: etcd is the cluster's distributed, consistent key-value store
  Slide 5: etcd is a distributed key-value store; a cluster of members replicates it with
  Raft; a cluster of n members tolerates floor((n-1)/2) failures, so the number of members
  should be odd. The same scenarios run against the reference etcd and a real etcd
  (KCK_ETCD=reference|external); the kit starts its own clusters and injects the faults.

  @S5.1 @cap:etcd-cluster
  Scenario: Keys are put, read by prefix and deleted, and every change raises the revision
    Given an etcd cluster of 1 member
    When the key "/kck/a" is set to "1"
    And the key "/kck/b" is set to "2"
    And the key "/kck/a" is set to "3"
    Then the keys under "/kck/" are "/kck/a=3, /kck/b=2"
    And each change raised the revision by exactly one
    When the key "/kck/a" is deleted
    Then the keys under "/kck/" are "/kck/b=2"
    And the key "/kck/a" read at the revision of its first change is "1"

  @S5.1 @cap:etcd-cluster
  Scenario: A compare-and-swap transaction succeeds once and then fails
    Given an etcd cluster of 1 member
    And the key "/kck/lock" is set to "free"
    When a transaction swaps "/kck/lock" from "free" to "taken"
    Then the transaction succeeded
    When a transaction swaps "/kck/lock" from "free" to "stolen"
    Then the transaction failed
    And the key "/kck/lock" is "taken"

  @S5.1 @cap:etcd-cluster
  Scenario: A watch from a past revision sees the history and then live changes
    Given an etcd cluster of 1 member
    And the key "/kck/w" is set to "1"
    And the key "/kck/w" is set to "2"
    When a watch on the keys under "/kck/" starts at the revision of the first change
    And the key "/kck/w" is deleted
    Then the watch sees "PUT /kck/w=1, PUT /kck/w=2, DELETE /kck/w"

  @S5.1 @cap:etcd-cluster
  Scenario: A key attached to a lease vanishes when the lease expires
    Given an etcd cluster of 1 member
    When the key "/kck/session" is set to "alive" with a lease of 3 seconds
    Then the key "/kck/session" is "alive"
    And the key "/kck/session" disappears once the lease expires

  @S5.1 @cap:etcd-cluster
  Scenario: Compaction forgets old revisions
    Given an etcd cluster of 1 member
    And the key "/kck/c" is set to "1"
    And the key "/kck/c" is set to "2"
    When the store is compacted at its current revision
    Then reading "/kck/c" at the revision of its first change fails as compacted
    And a watch from the revision of the first change is cancelled as compacted
    And the key "/kck/c" is "2"

  @S5.2 @cap:etcd-cluster
  Scenario: Every member of a cluster is listed and serves the same data
    Given an etcd cluster of 3 members
    Then the cluster lists 3 members
    When the key "/kck/shared" is set to "same"
    Then every member serves "/kck/shared" as "same"

  @S5.2 @cap:etcd-cluster
  Scenario: Members are added and removed
    Given an etcd cluster of 3 members
    And the key "/kck/before" is set to "joined"
    When a member "m9" is added to the cluster
    Then the cluster lists 4 members
    And member "m9" serves "/kck/before" as "joined"
    When member "m1" is removed from the cluster
    Then the cluster lists 3 members
    And the cluster accepts writes

  @S5.3 @cap:etcd-cluster
  Scenario: Exactly one member leads, and all members agree on it
    Given an etcd cluster of 3 members
    Then exactly one member claims leadership and every member names it for the same term

  @S5.3 @cap:etcd-cluster
  Scenario: Acknowledged writes survive the leader's crash
    Given an etcd cluster of 3 members
    When 20 keys under "/kck/acked/" are written and acknowledged
    And the leader is killed
    Then another member becomes the leader
    And all 20 acknowledged keys under "/kck/acked/" are read back

  @S5.3 @cap:etcd-cluster
  Scenario: A partitioned minority refuses writes and catches up after healing
    Given an etcd cluster of 5 members
    When the cluster is partitioned into "m1,m2,m3" and "m4,m5"
    Then members "m1,m2,m3" accept writes
    And members "m4,m5" refuse writes
    When the partition heals
    Then members "m4,m5" catch up with the last write

  @S5.3 @cap:etcd-cluster
  Scenario: Concurrent clients see a linearizable register while members crash and partitions come and go
    Given an etcd cluster of 3 members
    When 3 clients read, write and swap "/kck/register" for 12 seconds while faults are injected
    Then the recorded history is linearizable

  @S5.4 @cap:etcd-cluster
  Scenario Outline: A cluster of <members> members tolerates <tolerated> failures and no more
    Given an etcd cluster of <members> members
    When <tolerated> members are killed, the leader first
    Then the cluster accepts writes
    When one more member is killed
    Then the cluster refuses writes

    Examples:
      | members | tolerated |
      | 1       | 0         |
      | 2       | 0         |
      | 3       | 1         |
      | 4       | 1         |
      | 5       | 2         |
      | 6       | 2         |
      | 7       | 3         |

  @S5.4 @cap:etcd-cluster
  Scenario: Four members split two and two have no quorum on either side
    Given an etcd cluster of 4 members
    When the cluster is partitioned into "m1,m2" and "m3,m4"
    Then members "m1,m2" refuse writes
    And members "m3,m4" refuse writes

  @S5.4 @cap:etcd-cluster
  Scenario: Three members split two and one keep serving on the side of two
    Given an etcd cluster of 3 members
    When the cluster is partitioned into "m1,m2" and "m3"
    Then members "m1,m2" accept writes
    And members "m3" refuse writes

  @S4.5 @cap:etcd-cluster
  Scenario: An etcd member that requires client certificates refuses a client without them
    Given an etcd cluster of 1 member that requires client certificates
    Then a client with valid credentials can write
    And a client without credentials is refused
