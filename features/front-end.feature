Feature: kube-apiserver is the front end of the control plane and the only way to etcd
  Slides 3 and 4: kube-apiserver is the core of the control plane; every other component,
  even in the control plane, acts through it and reaches etcd only through it; it scales
  horizontally, and traffic is balanced between its instances.

  @S4.2 @S4.6 @cap:kube-api @cap:component-config @cap:nodes @cap:scheduler @cap:controller-manager
  Scenario: Every component but the API server knows only the API server, and acts through it
    Then only the API server is configured with etcd endpoints and credentials
    And every other component is configured with a kubeconfig naming the API server and no etcd endpoint
    When I create a Deployment "web" of 2 Pods that serve their hostname
    Then the Deployment "web" gets a ReplicaSet created by the deployment controller
    And its Pods are created by the replicaset controller and bound by the scheduler
    And each of its Pods is reported Running with container statuses by the kubelet of its node

  @S4.6 @cap:kube-api @cap:component-config @cap:cluster-network
  Scenario: etcd does not answer from the nodes
    Then the etcd endpoints of the API server do not answer from any node

  @S3.4 @cap:kube-api @cap:faults @cap:nodes @cap:apiserver-outage-recovery @disruptive
  Scenario: Without the API server nothing changes; once it is back the cluster converges
    Given a Deployment "web" of 2 Pods that serve their hostname, all ready
    When every API server instance is stopped
    Then the API stays unreachable for 20 seconds
    When every API server instance is started again
    Then no Lease was renewed while the API server was down
    And the Deployment "web" has 2 ready Pods
    When I create a Deployment "after" of 1 Pod that serve their hostname
    Then the Deployment "after" has 1 ready Pods

  @S4.3 @cap:kube-api @cap:apiserver-replicas
  Scenario: Several API server instances share one etcd and agree
    Then the cluster has at least 2 API server instances
    When I create a ConfigMap "shared" through the first API server instance
    Then every API server instance serves the ConfigMap "shared" with the same resourceVersion
    When I watch ConfigMaps through every API server instance
    And I update the ConfigMap "shared" through the last API server instance
    Then every watch sees the ConfigMap "shared" modified with the resourceVersion of the update

  @S4.4 @cap:kube-api @cap:apiserver-replicas @cap:faults @cap:apiserver-failover @disruptive
  Scenario: Clients keep working through the load balancer when an instance dies, with no write lost
    Then the cluster has at least 2 API server instances
    When I create 30 ConfigMaps through the load-balanced address while one API server instance is killed after the 10th
    Then every ConfigMap whose creation was acknowledged is readable through the load-balanced address
    And at least 20 creations were acknowledged

  @S4.4 @cap:kube-api @cap:apiserver-replicas @cap:faults @cap:apiserver-failover @disruptive
  Scenario: A watch through the load balancer resumes when the instance serving it dies, losing and repeating nothing
    Then the cluster has at least 2 API server instances
    When I watch ConfigMaps through the load-balanced address, resuming from the last resourceVersion seen whenever the connection breaks
    And I create 25 ConfigMaps through the load-balanced address while each API server instance in turn is killed and started again
    Then the watch resumed after its connection broke and saw each acknowledged ConfigMap added exactly once, in increasing resourceVersion order
    And every ConfigMap whose creation was acknowledged is readable through the load-balanced address
    And at least 20 creations were acknowledged
