Feature: The control plane may include an interface to a cloud provider
  Slides 2-3 and 12: with a cloud provider, LoadBalancer Services get an external address
  from the cloud, kept in step with the Service and released when it goes; provider errors
  surface as Events and are retried; nodes get their addresses from the cloud. Without a
  provider, LoadBalancer Services stay pending and nothing else breaks.

  @S2.4 @S3.3 @S12.3 @cap:kube-api @cap:cloud-provider
  Scenario: A LoadBalancer Service gets an external address, which is released with the Service
    When I create a LoadBalancer Service "lb" on port 8080
    Then the Service "lb" gets an external address from the cloud provider
    And an EnsuredLoadBalancer event was recorded for the Service "lb"
    When I delete the Service "lb"
    Then the Service "lb" is gone once the cloud provider has released its load balancer

  @S3.3 @cap:kube-api @cap:cloud-provider @cap:cloud-provider-faults
  Scenario: A cloud provider error surfaces as an Event and the load balancer is retried
    When I create a LoadBalancer Service "lb" on port 8080 that the cloud provider refuses with "quota exceeded"
    Then a SyncLoadBalancerFailed event for the Service "lb" mentions "quota exceeded"
    And the Service "lb" has no external address
    When the cloud provider accepts the Service "lb" again
    Then the Service "lb" gets an external address from the cloud provider

  @S3.3 @cap:kube-api @cap:cloud-provider @cap:nodes
  Scenario: The cloud provider reports node addresses
    Then every node has a provider ID and at least one address

  @S2.4 @cap:kube-api @cap:no-cloud-provider @cap:controller-manager
  Scenario: Without a cloud provider LoadBalancer Services stay pending and nothing else breaks
    When I create a LoadBalancer Service "lb" on port 8080
    And I create a ReplicaSet "rs" of 2 Pods behind the Service "lb"
    Then the ReplicaSet "rs" has 2 Pods, each with an ownerReference to it
    And the Service "lb" has a cluster IP and a node port
    And the Endpoints of the Service "lb" exist
    And the Service "lb" has no external address
