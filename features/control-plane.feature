Feature: The control plane manages the nodes, runs on a master node, and survives losing a machine
  Slide 3: the control plane watches the worker nodes and reacts when one goes silent; it
  usually runs on a "master" node that ordinary Pods avoid; in production it runs on
  several machines, with one active scheduler and controller-manager at a time.

  @S3.1 @cap:kube-api @cap:scheduler @cap:controller-manager @disruptive
  Scenario: A node whose kubelet stops reporting goes Unknown, is tainted, and its Pods move to healthy nodes
    Given hand-made ready nodes "a" and "b" with 2 CPUs each
    And the hand-made node "b" is cordoned
    And a ReplicaSet "rs" of 1 Pod for the hand-made nodes whose Pods tolerate an unreachable node for 5 seconds
    And the Pods of the ReplicaSet "rs" run on the hand-made node "a"
    When the hand-made node "b" is uncordoned
    And the kubelet of the hand-made node "a" stops reporting
    Then the hand-made node "a" becomes Ready Unknown
    And the hand-made node "a" is tainted node.kubernetes.io/unreachable with effects NoSchedule and NoExecute
    And the Pods of the ReplicaSet "rs" are evicted from the hand-made node "a" and replaced on the hand-made node "b"
    And the hand-made node "b" is still Ready

  @S3.5 @cap:kube-api @cap:nodes @cap:scheduler
  Scenario: The control-plane node is labelled and tainted, so only tolerating Pods land on it
    Then some node is labelled node-role.kubernetes.io/control-plane
    And every node labelled node-role.kubernetes.io/control-plane is tainted node-role.kubernetes.io/control-plane:NoSchedule
    When I create 4 Pods that do not tolerate the control-plane taint
    Then none of them is bound to a control-plane node
    When I create a Pod "admin" that tolerates the control-plane taint and selects the control-plane node
    Then the Pod "admin" is bound to the control-plane node

  @S3.6 @cap:kube-api @cap:ha-control-plane @cap:faults @cap:scheduler @disruptive
  Scenario: One scheduler leads at a time and a standby takes over when the leader dies
    Given hand-made ready nodes "a" and "b" with 2 CPUs each
    Then exactly one kube-scheduler instance holds the Lease "kube-scheduler"
    When I kill the kube-scheduler instance holding the Lease "kube-scheduler"
    Then another kube-scheduler instance holds the Lease "kube-scheduler"
    When I create a Pod "after-failover" for the hand-made nodes requesting 100m CPU
    Then the Pod "after-failover" gets bound to one of the hand-made nodes

  @S3.6 @S7.2 @cap:kube-api @cap:ha-control-plane @cap:faults @cap:controller-manager @disruptive
  Scenario: Killing the leading controller-manager mid-rollout still completes it within its bounds
    Given a Deployment "web" of 4 ready Pods of image "app:v1" with maxSurge 1 and maxUnavailable 1
    And I watch the Deployment "web" and its ReplicaSets
    Then exactly one kube-controller-manager instance holds the Lease "kube-controller-manager"
    When I change the image of the Deployment "web" to "app:v2"
    And I kill the kube-controller-manager instance holding the Lease "kube-controller-manager"
    Then another kube-controller-manager instance holds the Lease "kube-controller-manager"
    And the Deployment "web" completes its rollout with 4 ready Pods of image "app:v2"
    And during the rollout the ReplicaSets of the Deployment "web" never asked for more than 5 Pods in all
    And during the rollout the Deployment "web" never reported fewer than 3 available Pods
