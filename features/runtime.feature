Feature: The container runtime runs containers, behind the Container Runtime Interface
  Slide 9: the container runtime runs containers; Kubernetes supports any implementation of
  CRI; in multi-tenant clusters a secure (sandboxed) OCI runtime is preferred. The same
  scenarios run against the reference runtime and against containerd (KCK_CRI).

  Background:
    Given a container runtime the kit talks to over CRI

  @S9.2 @cap:cri
  Scenario: The runtime speaks CRI v1 and holds the kit's workload images
    Then the runtime reports CRI API version "v1"
    And the runtime lists the workload image and the pause image

  @S9.1 @cap:cri
  Scenario: A container runs to completion and its exit code is reported
    Given a pod "runner" in the runtime
    When container "ok" runs "exit 0" in pod "runner"
    And container "broken" runs "exit 3" in pod "runner"
    Then container "ok" exits with code 0
    And container "broken" exits with code 3 and reason "Error"

  @S9.1 @cap:cri
  Scenario: What a container writes to its output is kept in its log
    Given a pod "talker" in the runtime
    When container "writer" runs "write hello-from-kck" in pod "talker"
    Then the log of container "writer" in pod "talker" has the line "hello-from-kck"

  @S9.1 @cap:cri
  Scenario: Stopping a container asks it to end, then forces it after the grace period
    Given a pod "stoppable" in the runtime
    And container "polite" runs "pause" in pod "stoppable"
    And container "stubborn" ignores SIGTERM in pod "stoppable"
    When the runtime stops container "polite" with a grace period of 20 seconds
    And the runtime stops container "stubborn" with a grace period of 1 second
    Then container "polite" exits with code 143
    And container "stubborn" exits with code 137

  @S9.1 @cap:cri
  Scenario: Removed containers and pods are gone from the runtime's lists
    Given a pod "short-lived" in the runtime
    And container "app" runs "pause" in pod "short-lived"
    When the runtime removes pod "short-lived"
    Then the runtime lists no pod "short-lived"
    And the runtime lists no container "app"

  @S9.3 @cap:cri @cap:runtime-classes
  Scenario: A pod runs under the sandboxed runtime handler
    Given a pod "tenant" in the runtime with runtime handler "sandboxed"
    When container "app" runs "pause" in pod "tenant"
    Then pod "tenant" reports runtime handler "sandboxed"
    And container "app" is running

  @S9.3 @cap:cri @cap:runtime-classes
  Scenario: The runtime refuses a runtime handler it does not have
    Then a pod with runtime handler "no-such-handler" is refused
