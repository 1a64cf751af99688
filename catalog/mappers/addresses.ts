// The three legacy address shapes → the catalog's address messages.
import { type JsonObject, optionalString, requireString } from "meshbridge/catalog";
import type { CustomerAddressChanged_Address } from "../gen/meshbridge/catalog/v1/customer_address_changed_pb.ts";
import type { OrderPlaced_Address } from "../gen/meshbridge/catalog/v1/order_placed_pb.ts";
import { requireCountry } from "./common.ts";

/** order_created v1 `ship_to`: street, optional street2, zip, city, country. */
export function orderAddressFromV1(a: JsonObject, where: string): OrderPlaced_Address {
  const street2 = optionalString(a, "street2", where);
  const street = requireString(a, "street", where);
  return {
    $typeName: "meshbridge.catalog.v1.OrderPlaced.Address",
    lines: street2 === undefined ? [street] : [street, street2],
    postalCode: requireString(a, "zip", where),
    city: requireString(a, "city", where),
    countryCode: requireCountry(a, "country", where),
  };
}

/** order_created v2 `shipping.address`: line1, optional line2, postal_code, city, country_iso2. */
export function orderAddressFromV2(a: JsonObject, where: string): OrderPlaced_Address {
  const line2 = optionalString(a, "line2", where);
  const line1 = requireString(a, "line1", where);
  return {
    $typeName: "meshbridge.catalog.v1.OrderPlaced.Address",
    lines: line2 === undefined ? [line1] : [line1, line2],
    postalCode: requireString(a, "postal_code", where),
    city: requireString(a, "city", where),
    countryCode: requireCountry(a, "country_iso2", where),
  };
}

/** CRM address: street and house_no apart, optional addition (floor, c/o), zip, city, country. */
export function customerAddressFromV1(a: JsonObject, where: string): CustomerAddressChanged_Address {
  const first = `${requireString(a, "street", where)} ${requireString(a, "house_no", where)}`;
  const addition = optionalString(a, "addition", where);
  return {
    $typeName: "meshbridge.catalog.v1.CustomerAddressChanged.Address",
    lines: addition === undefined ? [first] : [first, addition],
    postalCode: requireString(a, "zip", where),
    city: requireString(a, "city", where),
    countryCode: requireCountry(a, "country", where),
  };
}
