import { LakeMemory } from "../../src/layers/LakeMemory.js"
import { lakeContract } from "../support/lakeContract.js"

lakeContract("LakeMemory", () => LakeMemory.layer)
