import type { Context } from 'aws-lambda';

/** A Lambda invocation context as the Node.js runtime passes it. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'items-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:items-api',
    memoryLimitInMB: '128',
    awsRequestId: '8f507cfc-xmpl-4697-b07a-ac58fc914c95',
    logGroupName: '/aws/lambda/items-api',
    logStreamName: '2020/03/10/[$LATEST]a3ed6xmpl4e54cba8d3d8a0c1a61e3c4',
    getRemainingTimeInMillis: () => 3000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
