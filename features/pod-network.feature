Feature: Pods have their own IP addresses and their containers share one network
  Slide 11: each Pod has its own IP address; the containers of one Pod reach each other over
  localhost. Checked at the runtime (CRI) level, and through the API on Pods the kubelets run.

  @S11.1 @cap:cri
  Scenario: Sandboxes get distinct IPs and reach each other directly
    Given a container runtime the kit talks to over CRI
    And a pod "alpha" in the runtime
    And a pod "beta" in the runtime
    And container "server" runs "serve-hostname" in pod "alpha"
    And container "client" runs "pause" in pod "beta"
    Then pods "alpha" and "beta" have distinct IP addresses
    And container "client" reaches pod "alpha" on its IP at port 9376 and is answered "alpha"
    And container "client" reaches pod "alpha" on its IP at UDP port 9377 and is answered "alpha"

  @S11.2 @cap:cri
  Scenario: Containers of one sandbox reach each other over localhost
    Given a container runtime the kit talks to over CRI
    And a pod "duo" in the runtime
    And container "server" runs "serve-hostname" in pod "duo"
    And container "sidecar" runs "pause" in pod "duo"
    Then container "sidecar" reaches 127.0.0.1 at port 9376 and is answered "duo"

  # The same claims through the API: Pods run by kubelets on the cluster's nodes.

  @S11.1 @cap:nodes @cap:cluster-network
  Scenario: Pods on different nodes reach each other by Pod IP
    Given a Pod "server" serving its name on a worker node
    And Pod "server" is Running and Ready with a Pod IP
    When a client Pod "client" on another worker node dials Pod "server" on port 9376
    Then the client Pod "client" got the answer "server"

  @S11.2 @cap:nodes
  Scenario: Two containers of one Pod talk over localhost
    When I create a Pod "pair" on a worker node whose second container dials the first over localhost port 9376
    Then the dialing container of Pod "pair" terminated with exit code 0
