Feature: Services expose Pods at a stable address and balance connections over them
  Slides 11-12: Pods come and go and change their IPs, so clients reach them through a
  Service. The Service selects Pods by label, gets a stable address whose kind depends on its
  type, and spreads L4 connections over the ready Pods. Every check here makes real
  connections that carry bytes: the workload answers each TCP connection, and each UDP
  datagram, with its Pod name.

  @S12.1 @S13.1 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario: A Service makes a Deployment reachable at its cluster address, inside the cluster only
    Given a Deployment "web" of 2 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    Then a client Pod reaches the Service "web" and is answered by one of its Pods
    And the Service "web" cannot be reached from outside the cluster

  # A Service port names its protocol, and a named targetPort resolves to the container port
  # of that name and that protocol only: "misnamed" is UDP but names the TCP port "serve", so
  # it has no endpoints and answers nothing, although the Pods serve UDP on the same number.
  @S12.1 @S12.2 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario: A Service carries UDP datagrams to its Pods through named target ports of the right protocol
    Given a Deployment "echo" of 2 Pods serving their names over TCP and UDP on port 9376
    And a ClusterIP Service "echo" for the Deployment with the ports
      | name     | protocol | port | targetPort |
      | dns      | UDP      | 53   | serve-udp  |
      | dns-tcp  | TCP      | 53   | serve      |
      | misnamed | UDP      | 54   | serve      |
    Then a client Pod's UDP datagram to port 53 of the Service "echo" is answered by one of its Pods
    And 40 UDP datagrams from a client Pod to port 53 of the Service "echo" reach every Pod of the Deployment
    And a client Pod's TCP connection to port 53 of the Service "echo" is answered by one of its Pods
    But a client Pod's UDP datagram to port 54 of the Service "echo" gets no answer

  @S11.4 @S12.2 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario: Many connections to a Service reach every ready backend
    Given a Deployment "web" of 3 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    Then 60 connections from a client Pod to the Service "web" reach every Pod of the Deployment

  @S12.2 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario: ClientIP session affinity pins a client to one backend
    Given a Deployment "web" of 3 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376 with ClientIP session affinity
    Then 20 connections from one client Pod to the Service "web" all reach the same Pod

  @S12.3 @S10.1 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario: A NodePort Service is open on every node
    Given a Deployment "web" of 2 Pods serving their names on port 9376
    And a NodePort Service "web" for the Deployment on port 80 to port 9376
    Then the Service "web" has a node port between 30000 and 32767
    And a connection from outside to the node port of every node is answered by a Pod of the Deployment

  @S12.3 @cap:kube-api
  Scenario: A requested node port is honoured and a clash is refused
    Given a NodePort Service "first" requesting a free node port
    When I create a NodePort Service "second" requesting the same node port
    Then the API server refuses it because the port is already allocated

  @S12.3 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network @cap:cloud-provider
  Scenario: A LoadBalancer Service gets an external address that forwards to its Pods
    Given a Deployment "web" of 2 Pods serving their names on port 9376
    And a LoadBalancer Service "web" for the Deployment on port 80 to port 9376
    Then the Service "web" gets an external address from the cloud provider
    And a connection from outside to the external address of the Service "web" is answered by a Pod of the Deployment

  @S13.1 @cap:kube-api @cap:nodes @cap:kube-proxy @cap:cluster-network
  Scenario: A Service without ready endpoints rejects connections
    Given a ClusterIP Service "nobody" selecting Pods labelled "app=nobody" on port 80 to port 9376
    Then a client Pod's connection to the Service "nobody" fails

  @S12.4 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario: A Service targets exactly the ready Pods whose labels match its selector
    Given a Pod "alpha" labelled "app=shop" serving its name on port 9376
    And a Pod "beta" labelled "app=shop" serving its name on port 9376
    And a Pod "gamma" labelled "app=other" serving its name on port 9376
    And a ClusterIP Service "shop" selecting Pods labelled "app=shop" on port 80 to port 9376
    Then the endpoints of the Service "shop" are exactly the Pods "alpha, beta"
    When the Pod "beta" is relabelled "app=other"
    Then the endpoints of the Service "shop" are exactly the Pods "alpha"
    And 20 connections from a client Pod to the Service "shop" all reach the Pod "alpha"

  @S11.3 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario: After a rollout the Service follows the new Pods and its address keeps working
    Given a Deployment "web" of 2 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    And a client that keeps connecting to the Service "web", retrying each failure up to 5 times
    When the Deployment "web" is rolled out to a new version
    Then the endpoints of the Service "web" are exactly the new Pods of the Deployment, none of the old
    And a client Pod reaches the Service "web" and is answered by one of its Pods
    And the retrying client never failed to reach the Service "web"
