// customer_signup v1 → CustomerRegistered, plus CustomerAddressChanged (shipping) when a default
// address was given. customer_profile_updated v1 → one CustomerAddressChanged per changed address
// (shipping first, then billing); changes to e-mail, phone or name have no catalog event: nothing.

import type { CatalogEvent, Mapper } from "meshbridge/catalog";
import {
  flag,
  LegacyDataError,
  optionalObject,
  parseEpochMillis,
  parseRfc3339,
  requireObject,
  requireString,
  toRfc3339,
} from "meshbridge/catalog";
import { CustomerAddressChanged_Kind } from "../gen/meshbridge/catalog/v1/customer_address_changed_pb.ts";
import { customerAddressChangedTopic, customerRegisteredTopic } from "../topics.ts";
import { customerAddressFromV1 } from "./addresses.ts";
import { emit, entityKey, none } from "./common.ts";

const localePattern = /^([a-z]{2,3})(?:[_-]([A-Za-z]{2}))?$/;

/** POSIX "de_DE" (or "de-de", "de") → BCP 47 "de-DE". */
function bcp47(text: string, path: string): string {
  const m = localePattern.exec(text);
  if (m === null) throw new LegacyDataError(`${path} must be a locale like de_DE`);
  return m[2] === undefined ? m[1]! : `${m[1]}-${m[2].toUpperCase()}`;
}

function addressChanged(
  tenant: string,
  customerId: string,
  kind: CustomerAddressChanged_Kind,
  address: ReturnType<typeof customerAddressFromV1>,
  changedAt: string,
): CatalogEvent {
  return emit(
    customerAddressChangedTopic,
    {
      $typeName: "meshbridge.catalog.v1.CustomerAddressChanged",
      tenantId: tenant,
      customerId,
      kind,
      address,
      changedAt,
    },
    entityKey(tenant, customerId),
    changedAt,
    customerId,
  );
}

export const mapCustomerSignupV1: Mapper = (event, { tenant }) => {
  const b = event.body;
  const customer = requireObject(b, "customer", "");
  const customerId = requireString(customer, "customer_id", "customer");
  const registeredAt = toRfc3339(parseEpochMillis(b.signup_ts, "signup_ts"));
  const registered = emit(
    customerRegisteredTopic,
    {
      $typeName: "meshbridge.catalog.v1.CustomerRegistered",
      tenantId: tenant,
      customerId,
      // The sign-up forms never normalised: stray blanks and capitals are common.
      email: requireString(customer, "email", "customer").trim().toLowerCase(),
      givenName: requireString(customer, "first_name", "customer"),
      familyName: requireString(customer, "last_name", "customer"),
      locale: bcp47(requireString(customer, "locale", "customer"), "customer.locale"),
      marketingOptIn: flag(customer, "newsletter", "customer", false),
      registeredAt,
    },
    entityKey(tenant, customerId),
    registeredAt,
    customerId,
  );
  const address = optionalObject(b, "default_address", "");
  if (address === undefined) return [registered];
  return [
    registered,
    addressChanged(
      tenant,
      customerId,
      CustomerAddressChanged_Kind.SHIPPING,
      customerAddressFromV1(address, "default_address"),
      registeredAt,
    ),
  ];
};

export const mapCustomerProfileUpdatedV1: Mapper = (event, { tenant }) => {
  const b = event.body;
  const changes = requireObject(b, "changes", "");
  // `changes` is authoritative; `changed_fields` is informational and sometimes stale.
  const shipping = optionalObject(changes, "shipping_address", "changes");
  const billing = optionalObject(changes, "billing_address", "changes");
  if (shipping === undefined && billing === undefined) return none;
  const customerId = requireString(b, "customer_id", "");
  const changedAt = toRfc3339(parseRfc3339(requireString(b, "updated_at", ""), "updated_at"));
  const out: CatalogEvent[] = [];
  if (shipping !== undefined) {
    const address = customerAddressFromV1(shipping, "changes.shipping_address");
    out.push(addressChanged(tenant, customerId, CustomerAddressChanged_Kind.SHIPPING, address, changedAt));
  }
  if (billing !== undefined) {
    const address = customerAddressFromV1(billing, "changes.billing_address");
    out.push(addressChanged(tenant, customerId, CustomerAddressChanged_Kind.BILLING, address, changedAt));
  }
  return out;
};
