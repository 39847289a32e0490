/** Who makes a request, after authentication and impersonation. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request asks to do, as the authorizer sees it (k8s.io/apiserver authorizer.Attributes). */
export type RequestAttributes =
  | {
      user: UserInfo;
      resourceRequest: true;
      verb: string;
      apiGroup: string;
      apiVersion: string;
      resource: string;
      subresource: string;
      /** '' for cluster-scoped requests. */
      namespace: string;
      /** '' for list, create and collection verbs. */
      name: string;
    }
  | {
      user: UserInfo;
      resourceRequest: false;
      verb: string;
      path: string;
    };

/** An authorizer's verdict, with the reason kube-apiserver would print. */
export interface AuthorizationDecision {
  allowed: boolean;
  /** Why, in the words the apiserver puts in `status.reason` of an access review. */
  reason: string;
}
