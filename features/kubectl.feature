Feature: A cluster is driven with kubectl, declaratively
  Slide 1: users drive a cluster with kubectl, and built-in resources such as Deployments
  are used declaratively: applying a manifest again changes nothing, and applying an
  edited manifest converges to it.

  @S1.1 @cap:kubectl
  Scenario: kubectl lists nodes, applies a manifest, gets, scales, labels and deletes
    When I run kubectl "get nodes"
    Then kubectl succeeds
    When I apply a manifest of a Deployment "web" with 2 replicas with kubectl
    Then kubectl reports "deployment.apps/web created"
    And kubectl "get deployment web -o jsonpath={.spec.replicas}" prints "2"
    When I run kubectl "scale deployment/web --replicas=3"
    Then kubectl "get deployment web -o jsonpath={.spec.replicas}" prints "3"
    When I run kubectl "label deployment/web tier=frontend"
    Then kubectl "get deployments -l tier=frontend -o name" prints "deployment.apps/web"
    When I run kubectl "delete deployment web"
    Then kubectl succeeds
    And the Deployment "web" is gone

  @S1.1 @cap:kubectl
  Scenario: kubectl watches changes as they happen
    Given kubectl is watching config maps
    When I run kubectl "create configmap late --from-literal=a=b"
    Then the watching kubectl shows "configmap/late"

  @S1.2 @cap:kubectl
  Scenario: Applying the same manifest twice changes nothing
    When I apply a manifest of a Deployment "steady" with 2 replicas with kubectl
    And I apply the same manifest again with kubectl
    Then kubectl reports "deployment.apps/steady unchanged"
    And the Deployment "steady" still has generation 1

  @S1.2 @cap:kubectl
  Scenario: Applying an edited manifest converges to it
    When I apply a manifest of a Deployment "edited" with 2 replicas with kubectl
    And I apply the manifest again with 4 replicas and the image "busybox:1.37"
    Then kubectl reports "deployment.apps/edited configured"
    And the Deployment "edited" wants 4 replicas of "busybox:1.37"
