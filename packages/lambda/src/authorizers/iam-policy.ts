import type { PolicyDocument } from 'aws-lambda';

/** An IAM policy that allows or denies invoking `resources` (method or route ARNs) of API Gateway. */
export function iamPolicy(effect: 'Allow' | 'Deny', resources: string | readonly string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Action: 'execute-api:Invoke',
        Effect: effect,
        Resource: typeof resources === 'string' ? resources : [...resources],
      },
    ],
  };
}
