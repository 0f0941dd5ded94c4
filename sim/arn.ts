/** RDS ARNs: `arn:<partition>:rds:<region>:<account>:<type>:<id>` (ids of automated snapshots contain colons). */
export interface RdsArn {
  partition: string;
  region: string;
  account: string;
  resourceType: string;
  id: string;
}

export function parseRdsArn(value: string | undefined): RdsArn | undefined {
  if (!value?.startsWith('arn:')) return undefined;
  const parts = value.split(':');
  if (parts.length < 7 || parts[2] !== 'rds') return undefined;
  const [, partition, , region, account, resourceType, ...rest] = parts;
  return { partition, region, account, resourceType, id: rest.join(':') };
}

/** The plain identifier of an id-or-ARN parameter (RDS accepts both in several places). */
export function identifierOf(idOrArn: string): string {
  return parseRdsArn(idOrArn)?.id ?? idOrArn;
}
