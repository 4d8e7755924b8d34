#!/usr/bin/env node
// Reads a Deployment's last-applied configuration (`kubectl apply view-last-applied
// -o json`) on stdin and, when it still sets spec.replicas, prints it without them
// for `kubectl apply set-last-applied -f -`; prints nothing otherwise.
//
// Why: the manifests no longer set replicas (the HPA owns them). Applying a manifest
// without replicas over a last-applied one with them makes kubectl delete the field,
// which resets the Deployment to 1 replica. The Kubernetes docs' migration is to drop
// replicas from the last-applied configuration first (`kubectl apply edit-last-applied`);
// this is its non-interactive form.
// https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling
import { readFileSync } from 'node:fs';

const input = readFileSync(0, 'utf8').trim();
if (input !== '') {
  const lastApplied = JSON.parse(input);
  if (lastApplied?.spec && 'replicas' in lastApplied.spec) {
    delete lastApplied.spec.replicas;
    process.stdout.write(JSON.stringify(lastApplied) + '\n');
  }
}
