Feature: The scheduler assigns every new Pod to a feasible node
  Slide 6: a new Pod has no node; kube-scheduler notices it, filters out the nodes it cannot
  run on, scores the rest and binds the Pod to the best one. A Pod that fits nowhere stays
  Pending with the reasons, and is scheduled as soon as a node fits. The scenarios use
  hand-made nodes (Node objects the scenario creates and keeps alive) so the outcome does
  not depend on the cluster's real nodes.

  @S6.1 @S6.2 @S2.2 @cap:kube-api @cap:scheduler
  Scenario: A new Pod has no node until the scheduler binds it to one
    Given hand-made ready nodes "a" and "b" with 2 CPUs each
    When I create a Pod "p" for the hand-made nodes requesting 100m CPU
    Then the Pod "p" had no node and was Pending when it was created
    And the Pod "p" gets bound to one of the hand-made nodes
    And the Pod "p" has the condition PodScheduled True
    And a Scheduled event says the Pod "p" was assigned to its node

  @S2.2 @S6.4 @cap:kube-api @cap:scheduler
  Scenario: Pods spread over the nodes
    Given hand-made ready nodes "a", "b" and "c" with 2 CPUs each
    When I create Pods "p1", "p2" and "p3" for the hand-made nodes requesting 500m CPU each
    Then the Pods "p1", "p2" and "p3" are bound to three different nodes

  @S6.3 @cap:kube-api @cap:scheduler
  Scenario: Pods that already name a node or ask for another scheduler are left alone
    Given hand-made ready nodes "a" and "b" with 2 CPUs each
    When I create a Pod "elsewhere" for the hand-made nodes handled by the scheduler "someone-else"
    And I create a Pod "pinned" naming the hand-made node "b" itself
    And I create a Pod "p" for the hand-made nodes requesting 100m CPU
    Then the Pod "p" gets bound to one of the hand-made nodes
    And the Pod "elsewhere" still has no node and no Scheduled event
    And the Pod "pinned" is still on the hand-made node "b" without a Scheduled event

  @S6.4 @S3.2 @cap:kube-api @cap:scheduler
  Scenario: A Pod that fits nowhere stays Pending with the reasons, then is scheduled when a node fits
    Given these hand-made nodes:
      | node  | cpu | taint                                             |
      | small | 1   |                                                   |
      | res1  | 4   | kck.io/reserved:NoSchedule                        |
      | res2  | 4   | kck.io/reserved:NoSchedule                        |
    When I create a Pod "big" for the hand-made nodes requesting 2 CPU
    Then the Pod "big" stays Pending with PodScheduled False and reason Unschedulable
    And a FailedScheduling event for the Pod "big" counts "1 Insufficient cpu" and "2 node(s) had untolerated taint {kck.io/reserved: }"
    When a hand-made ready node "large" with 4 CPUs joins
    Then the Pod "big" gets bound to the hand-made node "large"

  @S6.4 @cap:kube-api @cap:scheduler
  Scenario Outline: Infeasible nodes are filtered out: <filter>
    Given these hand-made nodes:
      | node | cpu | label   | taint   | state  |
      | a    | 2   | <a-lbl> | <a-tnt> | <a-st> |
      | b    | 2   | <b-lbl> | <b-tnt> |        |
    And on the hand-made node "a" a Pod <holding>
    When I create a Pod "p" for the hand-made nodes <pod>
    Then the Pod "p" gets bound to the hand-made node "b"

    Examples:
      | filter                 | a-lbl    | b-lbl    | a-tnt                  | b-tnt                  | a-st          | holding                  | pod                                       |
      | resource requests      |          |          |                        |                        |               | requesting 1 CPU         | requesting 1500m CPU                      |
      | nodeSelector           | disk=hdd | disk=ssd |                        |                        |               | requesting nothing       | selecting nodes labelled "disk=ssd"       |
      | required node affinity | zone=z1  | zone=z2  |                        |                        |               | requesting nothing       | requiring node affinity "zone in (z2,z3)" |
      | taints and tolerations |          |          | dedicated=x:NoSchedule | dedicated=y:NoSchedule |               | requesting nothing       | tolerating "dedicated=y:NoSchedule"       |
      | a NotReady node        |          |          |                        |                        | not-ready     | requesting nothing       | requesting 100m CPU                       |
      | an unschedulable node  |          |          |                        |                        | unschedulable | requesting nothing       | requesting 100m CPU                       |
      | a host port conflict   |          |          |                        |                        |               | using host port 8080     | using host port 8080                      |

  @S6.4 @cap:kube-api @cap:scheduler
  Scenario: Feasible nodes are scored: the least allocated node wins
    Given hand-made ready nodes "a" and "b" with 4 CPUs each
    And on the hand-made node "a" a Pod requesting 3 CPU
    When I create a Pod "p" for the hand-made nodes requesting 500m CPU
    Then the Pod "p" gets bound to the hand-made node "b"
