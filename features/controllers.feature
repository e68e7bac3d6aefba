Feature: Controllers drive the current state towards the desired state
  Slide 7: kube-controller-manager runs built-in controllers. Each is a control loop that
  watches the cluster through the API server and, when the current state differs from the
  desired one, changes it through the API server. Pods in these scenarios are never
  scheduled (they select no real node); where readiness matters a stand-in kubelet marks
  them Running and Ready, so only the controllers' own behaviour is under test.

  @S7.1 @S7.2 @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: Deleting a Pod of a ReplicaSet brings a replacement
    Given a ReplicaSet "rs" of 3 Pods
    Then the ReplicaSet "rs" has 3 Pods, each with an ownerReference to it
    When I delete one Pod of the ReplicaSet "rs"
    Then the ReplicaSet "rs" has 3 Pods again without the deleted one

  @S7.2 @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: A matching orphan Pod is adopted and one Pod too many is deleted
    Given a ReplicaSet "rs" of 2 Pods
    When I create an orphan Pod "stray" with the labels of the ReplicaSet "rs"
    Then the ReplicaSet "rs" has 2 Pods, each with an ownerReference to it

  @S7.2 @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: A Pod relabelled out of the selector is released and replaced
    Given a ReplicaSet "rs" of 2 Pods
    When I relabel one Pod of the ReplicaSet "rs" so that its selector no longer matches
    Then that Pod has no ownerReference any more
    And the ReplicaSet "rs" has 2 Pods again without the relabelled one

  @S7.3 @S3.2 @cap:kube-api @cap:controller-manager
  Scenario: A RollingUpdate replaces the Pods within maxSurge and maxUnavailable
    Given a Deployment "web" of 4 ready Pods of image "app:v1" with maxSurge 1 and maxUnavailable 1
    And I watch the Deployment "web" and its ReplicaSets
    When I change the image of the Deployment "web" to "app:v2"
    Then the Deployment "web" completes its rollout with 4 ready Pods of image "app:v2"
    And during the rollout the ReplicaSets of the Deployment "web" never asked for more than 5 Pods in all
    And during the rollout the Deployment "web" never reported fewer than 3 available Pods
    And the Deployment "web" has 2 ReplicaSets, one per Pod template
    And a ScalingReplicaSet event was recorded for the Deployment "web"

  @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: The Recreate strategy removes every old Pod before creating new ones
    Given a Deployment "web" of 3 ready Pods of image "app:v1" with the Recreate strategy
    And I watch the Pods of the Deployment "web"
    When I change the image of the Deployment "web" to "app:v2"
    Then the Deployment "web" completes its rollout with 3 ready Pods of image "app:v2"
    And the watch never showed Pods of "app:v1" and "app:v2" at the same time

  @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: A rollout is rolled back to an earlier revision
    Given a Deployment "web" of 2 ready Pods of image "app:v1" with maxSurge 1 and maxUnavailable 0
    When I change the image of the Deployment "web" to "app:v2"
    Then the Deployment "web" completes its rollout with 2 ready Pods of image "app:v2"
    When I roll the Deployment "web" back to revision 1
    Then the Deployment "web" completes its rollout with 2 ready Pods of image "app:v1"
    And the Deployment "web" is at revision 3 and still has 2 ReplicaSets

  @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: A paused Deployment does not roll out until it is resumed
    Given a Deployment "web" of 2 ready Pods of image "app:v1" with maxSurge 1 and maxUnavailable 0
    When I pause the Deployment "web"
    And I change the image of the Deployment "web" to "app:v2"
    Then the Deployment "web" reports that it is paused
    And the Deployment "web" has no ReplicaSet for image "app:v2"
    When I resume the Deployment "web"
    Then the Deployment "web" completes its rollout with 2 ready Pods of image "app:v2"

  @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: A rollout that makes no progress within its deadline is reported as failed
    Given a Deployment "stuck" of 2 Pods that never become ready, with a progress deadline of 5 seconds
    Then the Deployment "stuck" reports Progressing False with reason ProgressDeadlineExceeded
    And the Deployment "stuck" reports Available False

  @S7.3 @S12.4 @cap:kube-api @cap:controller-manager
  Scenario: Endpoints and EndpointSlices follow the ready Pods of a Service
    Given a Deployment "web" of 2 ready Pods of image "app:v1" with maxSurge 1 and maxUnavailable 0
    And a Service "web" selecting the Pods of the Deployment "web" with target port "http"
    Then the Endpoints and EndpointSlices of the Service "web" list 2 ready addresses on port 8080
    When one Pod of the Deployment "web" stops being ready
    Then the Endpoints and EndpointSlices of the Service "web" list 1 ready and 1 not ready address

  @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: Deleting an owner deletes its dependents
    Given a Deployment "web" of 2 ready Pods of image "app:v1" with maxSurge 1 and maxUnavailable 0
    When I delete the Deployment "web" with propagation policy Background
    Then no ReplicaSet and no Pod of the Deployment "web" remain

  @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: Deleting an owner in the foreground removes its dependents first
    Given a ReplicaSet "rs" of 2 Pods
    When I delete the ReplicaSet "rs" with propagation policy Foreground
    Then the Pods of the ReplicaSet "rs" are gone before the ReplicaSet "rs" itself

  @S7.3 @cap:kube-api @cap:controller-manager
  Scenario: Deleting an owner with orphan propagation leaves its dependents without an owner
    Given a ReplicaSet "rs" of 2 Pods
    When I delete the ReplicaSet "rs" with propagation policy Orphan
    Then the 2 Pods of the ReplicaSet "rs" remain, with no ownerReference
