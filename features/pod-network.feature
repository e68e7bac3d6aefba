Feature: Pods have their own IP addresses and their containers share one network
  Slide 11: each Pod has its own IP address; the containers of one Pod reach each other over
  localhost. Checked at the runtime (CRI) level here; the kubelet scenarios check the same
  through the API.

  Background:
    Given a container runtime the kit talks to over CRI

  @S11.1 @cap:cri
  Scenario: Pods get distinct IPs and reach each other directly
    Given a pod "alpha" in the runtime
    And a pod "beta" in the runtime
    And container "server" runs "serve-hostname" in pod "alpha"
    And container "client" runs "pause" in pod "beta"
    Then pods "alpha" and "beta" have distinct IP addresses
    And container "client" reaches pod "alpha" on its IP at port 9376 and is answered "alpha"

  @S11.2 @cap:cri
  Scenario: Containers of one Pod reach each other over localhost
    Given a pod "duo" in the runtime
    And container "server" runs "serve-hostname" in pod "duo"
    And container "sidecar" runs "pause" in pod "duo"
    Then container "sidecar" reaches 127.0.0.1 at port 9376 and is answered "duo"
