Feature: A cluster is made of control-plane components and node components
  Slide 2: a Kubernetes cluster consists of control-plane components (which may include an
  interface to a cloud provider) and node components on every worker node.

  @S2.3 @cap:kube-api
  Scenario: The target names its control-plane components
    When I ask the target for its control-plane components
    Then they include an API server, etcd, a scheduler and a controller-manager
    And every control-plane component that serves a health endpoint reports healthy

  @S2.3 @cap:kube-api
  Scenario: The API server reports its own health and that of its storage
    Then the API server answers "ok" on /livez and /readyz
    And the API server's readiness checks include etcd

  @S2.3 @cap:kube-api @cap:nodes
  Scenario: Every worker node runs a kubelet, a container runtime and kube-proxy
    When I ask the target for its nodes
    Then there is at least one node
    And every node runs a kubelet, a container runtime and kube-proxy
