import { runAdapterConformance } from '@rs/testkit';
import { httpApiDriver, restApiDriver } from './support/conformance-drivers.js';

runAdapterConformance('lambda (REST API, payload 1.0)', restApiDriver);
runAdapterConformance('lambda (HTTP API, payload 2.0)', httpApiDriver);
