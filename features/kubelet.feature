Feature: A kubelet on every node runs the Pods bound to it
  Slides 2 and 8: a cluster is a set of worker nodes; a kubelet runs on each node, registers
  it, and starts the Pods scheduled there through the container runtime; static Pods deploy a
  Pod to one node without the scheduler; a RuntimeClass picks the runtime handler (slide 9).

  @S2.1 @S8.1 @cap:nodes
  Scenario: Every node is registered by its kubelet with addresses, capacity and readiness
    Then every node has an address, capacity, allocatable resources and a Ready condition that is True
    And every node's kubelet renews its Lease in the kube-node-lease namespace

  @S2.2 @cap:nodes @cap:scheduler
  Scenario: A created Pod is bound to a node and runs there
    When I create a Pod "web" serving its name
    Then Pod "web" is bound to a node
    And Pod "web" is Running and Ready with a Pod IP

  @S8.2 @cap:nodes
  Scenario: The kubelet of a Pod's node runs it and reports its status
    When I create a Pod "pinned" serving its name on a worker node
    Then Pod "pinned" is Running and Ready with a Pod IP
    And Pod "pinned" has the conditions PodScheduled, Initialized, ContainersReady and Ready all True
    And the container of Pod "pinned" is running and has not restarted

  @S8.2 @cap:nodes
  Scenario: The logs of a Pod's container can be read through the API
    When I create a Pod "chatty" on a worker node whose container writes "hello from kck"
    Then the logs of Pod "chatty" read through the API show "hello from kck"

  @S8.2 @cap:nodes
  Scenario: Init containers run to completion, in order, before the app container
    When I create a Pod "staged" on a worker node with init containers "first" and "second" and restart policy Never
    Then Pod "staged" ends in phase Succeeded
    And the init containers of Pod "staged" finished in order before its app container started

  @S8.2 @cap:nodes
  Scenario: restartPolicy Always restarts a crashing container
    When I create a Pod "crashy" on a worker node whose container exits with code 1 and restart policy Always
    Then the container of Pod "crashy" has restarted at least 1 time

  @S8.2 @cap:nodes
  Scenario: restartPolicy Never leaves a failed container failed
    When I create a Pod "once" on a worker node whose container exits with code 3 and restart policy Never
    Then Pod "once" ends in phase Failed
    And the container of Pod "once" terminated with exit code 3 and has not restarted

  @S8.2 @cap:nodes
  Scenario: A failing readiness probe keeps a Pod out of Ready
    When I create a Pod "unready" on a worker node whose readiness probe fails
    Then Pod "unready" stays Running but not Ready
    And the kubelet reports a Warning Unhealthy event for Pod "unready" saying its readiness probe failed

  @S8.2 @cap:nodes
  Scenario: A failing liveness probe restarts the container
    When I create a Pod "unhealthy" on a worker node whose liveness probe fails
    Then the container of Pod "unhealthy" has restarted at least 1 time
    And the kubelet reports a Warning Unhealthy event for Pod "unhealthy" saying its liveness probe failed

  @S8.2 @cap:nodes
  Scenario: Deleting a Pod stops its containers gracefully, then the Pod is gone
    Given a Pod "graceful" serving its name on a worker node with a termination grace period of 120 seconds
    And Pod "graceful" is Running and Ready with a Pod IP
    When I delete Pod "graceful"
    Then Pod "graceful" is gone well before its grace period ends

  @S8.3 @cap:nodes @cap:static-pods
  Scenario: A static Pod runs without the scheduler and is mirrored in the API
    When I place a static Pod manifest "static-web" on a worker node
    Then the mirror Pod of "static-web" appears for that node and is Running
    When I delete the mirror Pod of "static-web"
    Then the mirror Pod of "static-web" comes back
    When I remove the static Pod manifest "static-web"
    Then the mirror Pod of "static-web" disappears

  @S9.3 @cap:nodes @cap:runtime-classes
  Scenario: A RuntimeClass maps a Pod to the sandboxed runtime handler
    Given a RuntimeClass with handler "sandboxed"
    When I create a Pod "tenant" serving its name on a worker node with that RuntimeClass
    Then Pod "tenant" is Running and Ready with a Pod IP

  @S9.3 @cap:nodes @cap:runtime-classes
  Scenario: A Pod naming an unknown RuntimeClass is rejected
    When I create a Pod "lost" on a worker node with RuntimeClass "kck-no-such-class"
    Then Pod "lost" is rejected or fails with reason RuntimeClassNotFound
