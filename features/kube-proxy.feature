Feature: kube-proxy forwards Service traffic on every node, in the mode it is configured for
  Slides 10 and 13: kube-proxy runs on each node, receives the traffic sent to ClusterIPs and
  NodePorts and forwards it to backend Pods. How depends on its mode: userspace relays in the
  proxy process, iptables rewrites destinations in the kernel with random probabilities, and
  IPVS balances with real scheduling algorithms. A target offers the modes its proxies run in
  (capability proxy-mode-<mode>); the same Service behaviour must hold in each of them.

  @S10.1 @cap:kube-api @cap:nodes @cap:kube-proxy
  Scenario: Every node runs kube-proxy
    Then every node of the cluster runs kube-proxy

  @S13.2 @S13.1 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network
  Scenario Outline: Services work in <mode> mode, and the proxy says which mode it runs
    Given the cluster's kube-proxy reports the mode "<mode>"
    And a Deployment "web" of 2 Pods serving their names on port 9376
    And a NodePort Service "web" for the Deployment on port 80 to port 9376
    Then 40 connections from a client Pod to the Service "web" reach every Pod of the Deployment
    And a connection from outside to the node port of every node is answered by a Pod of the Deployment

    @cap:proxy-mode-userspace
    Examples: userspace
      | mode      |
      | userspace |

    @cap:proxy-mode-iptables
    Examples: iptables
      | mode     |
      | iptables |

    @cap:proxy-mode-ipvs
    Examples: ipvs
      | mode |
      | ipvs |

    @cap:proxy-mode-nftables
    Examples: nftables (beyond the slides)
      | mode     |
      | nftables |

  @S13.3 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network @cap:proxy-mode-userspace
  Scenario: In userspace mode the proxy process itself accepts and relays the connections
    Given a Deployment "web" of 2 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    When I note how many connections the proxies have relayed
    And 20 connections from a client Pod to the Service "web" succeed
    Then the proxies have relayed at least 20 more connections

  @S13.4 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network @cap:proxy-mode-iptables
  Scenario: In iptables mode distribution is random, not balanced by load
    Given a Deployment "web" of 2 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    When a client Pod holds 6 connections to the Service "web" open
    Then 100 more connections from that client's node to the Service "web" still reach both Pods at random

  @S13.5 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network @cap:proxy-mode-ipvs
  Scenario: IPVS round-robin spreads connections evenly
    Given kube-proxy uses the IPVS scheduler "rr"
    And a Deployment "web" of 3 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    Then 30 connections from one client Pod to the Service "web" reach each Pod exactly 10 times

  @S13.5 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network @cap:proxy-mode-ipvs
  Scenario: IPVS least-connection sends new connections to the backend with the fewest open ones
    Given kube-proxy uses the IPVS scheduler "lc"
    And a Deployment "web" of 2 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    When client Pods on one node hold 4 connections to the Service "web" open
    Then the held connections are spread evenly over the 2 Pods
    # Round-robin would now send the next connection to the Pod the first one reached.
    When the held connections to the Pod that the first one did not reach are closed
    Then the next 8 connections from that node all go to that Pod, which holds the fewest

  @S13.5 @cap:kube-api @cap:nodes @cap:controller-manager @cap:kube-proxy @cap:cluster-network @cap:proxy-mode-ipvs
  Scenario: IPVS source hashing keeps each client address on one backend
    Given kube-proxy uses the IPVS scheduler "sh"
    And a Deployment "web" of 3 Pods serving their names on port 9376
    And a ClusterIP Service "web" for the Deployment on port 80 to port 9376
    Then 10 connections from one client Pod to the Service "web" all reach the same Pod
