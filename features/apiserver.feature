Feature: kube-apiserver exposes the Kubernetes API
  Slides 3 and 4: the API server is the core and the front end of the control plane. It
  describes itself, stores objects with optimistic concurrency, answers every error with a
  Status, tells who is asking and what they may do, and lets clients watch changes.

  @S4.1 @cap:kube-api
  Scenario: The API describes itself through discovery
    When I ask the API server what it serves
    Then it lists the core group version "v1" and the groups "apps", "coordination.k8s.io" and "discovery.k8s.io"
    And it reports its version
    And it serves "deployments" with a "scale" subresource in "apps/v1"

  @S4.1 @cap:kube-api
  Scenario: Objects are created, read, listed by label and by field, updated and deleted
    Given config maps "red-1", "red-2" and "blue-1" labelled by their colour
    Then listing config maps labelled "colour=red" gives "red-1" and "red-2"
    And listing config maps labelled "colour in (blue)" gives "blue-1"
    And listing config maps with the field "metadata.name=red-2" gives "red-2"
    When I change the config map "red-1"
    Then reading the config map "red-1" shows the change
    When I delete the config map "red-1"
    Then the config map "red-1" is gone

  @S4.1 @cap:kube-api
  Scenario: An update based on a stale version is rejected with a conflict
    Given a config map "shared"
    When two clients read "shared" and both write it back changed
    Then the first write succeeds and the second is rejected as a conflict

  @S4.1 @cap:kube-api
  Scenario: An invalid object is rejected with the field that is wrong
    When I create a Deployment whose selector does not match its template labels
    Then it is rejected as invalid naming the field "spec.template.metadata.labels"
    When I create a Deployment with -1 replicas
    Then it is rejected as invalid naming the field "spec.replicas"

  @S4.1 @cap:kube-api
  Scenario: Unknown resources are not found
    When I ask for a resource the API server does not serve
    Then the answer is "Not Found" with a Status

  @S4.1 @cap:kube-api @cap:authn
  Scenario: Requests without credentials are unauthorized and unpermitted ones forbidden
    When an anonymous client lists pods
    Then the answer is "Unauthorized" with a Status
    When a user without any role lists pods
    Then the answer is "Forbidden" with a Status

  @S4.1 @cap:kube-api
  Scenario: A Deployment is scaled through its scale subresource and its generation follows spec changes
    Given a Deployment "web" of 1 replica
    When I scale "web" to 3 replicas through its scale subresource
    Then the Deployment "web" wants 3 replicas
    And its generation has grown

  @S3.2 @cap:kube-api
  Scenario: A watch delivers additions, changes and deletions in resourceVersion order
    Given I watch config maps in my namespace from now on
    When I create, change and delete the config map "watched"
    Then the watch delivers ADDED, MODIFIED and DELETED for "watched" in resourceVersion order
